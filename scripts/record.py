#!/usr/bin/env python3
"""Runs a command, prints its output as it comes, and writes that output into a document between
`<!-- NAME:start -->` and `<!-- NAME:end -->`, under a line saying which command wrote it, when
and on what machine (RECORD_AS names the command as the reader should run it, RECORD_NOTE adds
to the machine's description). The exit status is the command's; the block is written whatever it is.

    scripts/record.py DOCUMENT NAME [--fenced] -- COMMAND...
"""

import datetime
import os
import pathlib
import platform
import shlex
import subprocess
import sys


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    memory_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    release = dict(
        line.rstrip("\n").split("=", 1) for line in open("/etc/os-release") if "=" in line
    ).get("PRETTY_NAME", "").strip('"')
    return f"{os.cpu_count()} vCPU {cpu}, {round(memory_kib / 1048576)} GiB, {release}"


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args or len(args[: args.index("--")]) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    options, command = args[: args.index("--")], args[args.index("--") + 1 :]
    document, name, fenced = pathlib.Path(options[0]), options[1], "--fenced" in options[2:]
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    if not all(marker in document.read_text() for marker in (start, end)):
        print(f"{document} has no {start.strip()} ... {end} block", file=sys.stderr)
        return 2
    shown = os.environ.get("RECORD_AS") or shlex.join(command)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    status = process.wait()
    output = "".join(lines).strip()
    if fenced:
        output = f"```\n{output}\n```"
    note = os.environ.get("RECORD_NOTE")
    written = (
        f"Written by `{shown}` on {datetime.date.today().isoformat()}, on {machine()}"
        f"{f', {note}' if note else ''}"
        f"{'' if status == 0 else f' (exit status {status})'}.\n\n"
    )
    # Read again: the document may have been edited while the command ran.
    head, rest = document.read_text().split(start, 1)
    _, tail = rest.split(end, 1)
    document.write_text(head + start + written + output + "\n" + end + tail)
    return status


if __name__ == "__main__":
    sys.exit(main())
