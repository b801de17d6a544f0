//! Memory a function's first request will use, written once at the end of init. A page the
//! process has never written costs a page fault on first use; without this, start-chat's first
//! request takes about 14 more of them than a warm one (stack and heap; see BENCHMARKS.md). Taken
//! during init instead, they run on the full vCPU Lambda gives init rather than inside the
//! first request.

/// How far below the caller's frame the stack is written; start-chat's first request reaches
/// about 16 KiB deeper than init does, and the rest is room for larger requests.
const STACK_BYTES: usize = 64 * 1024;

/// Heap written in blocks below glibc's 128 KiB mmap threshold, so they come from (and go back
/// to) the heap that later requests allocate from rather than from mappings of their own that
/// `free` would unmap. start-chat's first request grows the heap by about 40 KiB.
const HEAP_BLOCK_BYTES: usize = 16 * 1024;
const HEAP_BLOCKS: usize = 6;

/// Writes the stack and heap pages a first request will need. Call it last in `main`, just
/// before `run`, on the thread that will serve requests (the functions use Tokio's current-thread
/// runtime, so that is the thread `main` runs on).
pub fn pretouch() {
    touch_stack();
    let blocks: Vec<Vec<u8>> = (0..HEAP_BLOCKS)
        .map(|_| vec![1u8; HEAP_BLOCK_BYTES])
        .collect();
    std::hint::black_box(&blocks);
}

#[inline(never)]
fn touch_stack() {
    let mut frame = [0u8; STACK_BYTES];
    std::hint::black_box(&mut frame);
}
