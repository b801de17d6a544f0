// Real-browser tests of the reference chat page: headless Debian chromium driven by
// playwright-core, against the local stack started with the README's command
// (scripts/local-stack.sh) on free loopback ports. Screenshots go to target/browser-screenshots/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOTS = join(ROOT, "target", "browser-screenshots");
const STARTUP_TIMEOUT_MS = 15 * 60 * 1000;
const UI_TIMEOUT_MS = 15000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let stack;
let browser;
let ports;

async function startStack() {
  ports = { api: await freePort(), widget: await freePort() };
  const child = spawn(join(ROOT, "scripts", "local-stack.sh"), [], {
    env: {
      ...process.env,
      CONNECT_LOCAL_PORT: "0",
      API_PORT: String(ports.api),
      WIDGET_PORT: String(ports.widget),
      CONNECT_LOCAL_ARGS: "--agent-delay-ms 200 --reply-delay-ms 300 --reject-attachments-matching rejected",
    },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("local stack did not start in time")), STARTUP_TIMEOUT_MS);
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes("Press Ctrl-C")) {
        clearTimeout(timer);
        // connect-local took a free port of its own; the banner names it.
        const found = seen.match(/connect-local \(Connect \+ Participant Service endpoint\): (http:\/\/127\.0\.0\.1:\d+)/);
        if (!found) { reject(new Error(`no connect-local URL in the banner:\n${seen}`)); return; }
        ports.connectUrl = found[1];
        resolve();
      }
    });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`local stack exited (${code})`)); });
  });
  return child;
}

function stopStack(child) {
  if (!child || child.exitCode !== null) return;
  try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
}

const connectUrl = (path) => `${ports.connectUrl}${path}`;
const pageUrl = () => `http://127.0.0.1:${ports.widget}/`;

async function admin(path, body) {
  const res = await fetch(connectUrl(path), {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  return { context, page, problems };
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function startChat(page, name) {
  await page.goto(pageUrl());
  await page.fill("#display-name", name);
  await page.click("#start-chat");
  await page.locator(".message--theirs", { hasText: `Hello ${name}` }).waitFor();
  return page.evaluate(() => JSON.parse(sessionStorage.getItem("connect-chat-session")).details.ContactId);
}

async function send(page, text) {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
  await page.locator(".message--mine", { hasText: text }).waitFor();
}

describe("reference chat page in a real browser", () => {
  before(async () => {
    stack = await startStack();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  }, { timeout: STARTUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    stopStack(stack);
  });

  test("starts a chat, gets the greeting, exchanges messages both ways and shows typing and receipts", async () => {
    const { page, context, problems } = await newPage();
    await page.goto(pageUrl());
    await shot(page, "01-start-form");
    const contactId = await startChat(page, "Ana");
    for (const text of ["Where is my order?", "It is order 1234", "Thanks"]) {
      await send(page, text);
      await page.locator(".message--theirs", { hasText: `You said: ${text}` }).waitFor();
    }
    await page.locator('.message--mine[data-receipt="Read"]').first().waitFor();

    const { status } = await admin(`/_local/contacts/${contactId}/agent/typing`, {});
    assert.equal(status, 204);
    await page.locator("#typing").waitFor({ state: "visible" });
    await shot(page, "02-typing");
    await admin(`/_local/contacts/${contactId}/agent/messages`, { Content: "Your parcel ships tomorrow." });
    await page.locator(".message--theirs", { hasText: "Your parcel ships tomorrow." }).waitFor();
    await page.locator("#typing").waitFor({ state: "hidden" });

    // What the agent side saw: every customer message, in order.
    const contact = (await admin(`/_local/contacts/${contactId}`)).body;
    const fromCustomer = contact.Transcript.filter((i) => i.Type === "MESSAGE" && i.ParticipantRole === "CUSTOMER").map((i) => i.Content);
    assert.deepEqual(fromCustomer, ["Where is my order?", "It is order 1234", "Thanks"]);
    await shot(page, "03-conversation");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("shows a streamed answer in one bubble that ends with the whole message", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Sam");
    const text = "Here is a streamed answer, written a few words at a time.";
    const { status, body } = await admin(`/_local/contacts/${contactId}/bot/stream`, { Content: text, Chunks: 5 });
    assert.equal(status, 201);
    const bubble = page.locator(`li.message[data-id="${body.Id}"]`);
    await bubble.locator(".message__body", { hasText: text }).waitFor();
    await page.locator(`li.message[data-id="${body.Id}"][data-streaming="done"]`).waitFor();
    assert.equal(await bubble.count(), 1, "one bubble for the whole streamed message");
    await shot(page, "02b-streamed-answer");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("warns an idle customer, welcomes them back, and says why the chat closed", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Ida");
    const activity = (kind) => admin(`/_local/contacts/${contactId}/customer/${kind}`, {});
    assert.equal((await activity("idle")).status, 204);
    await page.locator(".event", { hasText: "Are you still there?" }).waitFor();
    await shot(page, "02c-idle-warning");
    assert.equal((await activity("returned")).status, 204);
    await page.locator(".event", { hasText: "Welcome back" }).waitFor();
    assert.equal((await activity("autodisconnection")).status, 204);
    await page.locator(".event", { hasText: "closed because you were away" }).waitFor();
    await page.locator(".event", { hasText: "The chat has ended" }).waitFor();
    await shot(page, "02d-auto-disconnected");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("uploads a PNG and a PDF through our functions, and refuses an .exe and an over-size file", async () => {
    const { page, context } = await newPage();
    const contactId = await startChat(page, "Bea");
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0d1b9d50000000049454e44ae426082", "hex");
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    for (const file of [{ name: "photo.png", mimeType: "image/png", buffer: png }, { name: "invoice.pdf", mimeType: "application/pdf", buffer: pdf }]) {
      await page.setInputFiles("#file", file);
      await page.locator(`.message--mine[data-status="APPROVED"]`, { hasText: file.name }).waitFor();
    }
    await shot(page, "04-attachments-approved");

    await page.setInputFiles("#file", { name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") });
    await page.locator("#error", { hasText: "setup.exe" }).waitFor();
    assert.match(await page.textContent("#error"), /file type not supported/);
    await shot(page, "05-refused-type");

    await page.setInputFiles("#file", { name: "huge.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(20 * 1024 * 1024 + 1) });
    await page.locator("#error", { hasText: "huge.pdf" }).waitFor();
    assert.match(await page.textContent("#error"), /at most 20 MB \(20971520 bytes\)/);
    await shot(page, "06-refused-size");

    const contact = (await admin(`/_local/contacts/${contactId}`)).body;
    assert.equal(contact.AttachmentIds.length, 2, "only the PNG and the PDF reached Connect");
    const names = contact.Transcript.filter((i) => i.Type === "ATTACHMENT").map((i) => [i.Attachments[0].AttachmentName, i.Attachments[0].Status]);
    assert.deepEqual(names, [["photo.png", "APPROVED"], ["invoice.pdf", "APPROVED"]]);
    await context.close();
  });

  test("shows a file the scanner rejects as rejected", async () => {
    const { page, context } = await newPage();
    await startChat(page, "Cy");
    await page.setInputFiles("#file", { name: "rejected-scan.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 x") });
    await page.locator('.message--mine[data-status="REJECTED"]', { hasText: "rejected-scan.pdf" }).waitFor();
    assert.equal(await page.locator(".message--mine .attachment__download").count(), 0, "a rejected file has no download link");
    await context.close();
  });

  test("receives and downloads the agent's attachment with the same bytes", async () => {
    const { page, context } = await newPage();
    const contactId = await startChat(page, "Dan");
    const bytes = Buffer.from("Return label for order 1234\n");
    const sent = await admin(`/_local/contacts/${contactId}/agent/attachments`, {
      AttachmentName: "return-label.txt", ContentType: "text/plain", ContentBase64: bytes.toString("base64"),
    });
    assert.equal(sent.status, 201);
    const link = page.locator(".message--theirs .attachment__download", { hasText: "return-label.txt" });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.equal(download.suggestedFilename(), "return-label.txt");
    assert.deepEqual(readFileSync(await download.path()), bytes);
    await shot(page, "07-agent-attachment");
    await context.close();
  });

  test("continues the same chat after a reload, with the history shown", async () => {
    const { page, context } = await newPage();
    const contactId = await startChat(page, "Eve");
    await send(page, "before reload");
    await page.locator(".message--theirs", { hasText: "You said: before reload" }).waitFor();
    await page.reload();
    await page.locator(".message--mine", { hasText: "before reload" }).waitFor();
    await page.locator(".message--theirs", { hasText: "Hello Eve" }).waitFor();
    assert.equal(await page.isHidden("#start-form"), true);
    const after = await page.evaluate(() => JSON.parse(sessionStorage.getItem("connect-chat-session")).details.ContactId);
    assert.equal(after, contactId, "same contact after the reload");
    await send(page, "after reload");
    await page.locator(".message--theirs", { hasText: "You said: after reload" }).waitFor();
    assert.equal(await page.locator(".message--mine", { hasText: "before reload" }).count(), 1, "history is not duplicated");
    await shot(page, "08-after-reload");
    await context.close();
  });

  test("ends the chat from the customer's side", async () => {
    const { page, context } = await newPage();
    const contactId = await startChat(page, "Fay");
    await page.click("#end-chat");
    await page.locator(".event", { hasText: "The chat has ended" }).waitFor();
    await page.locator("#status", { hasText: "Chat ended" }).waitFor();
    assert.equal(await page.isHidden("#composer"), true);
    assert.equal((await admin(`/_local/contacts/${contactId}`)).body.Ended, true);
    await shot(page, "09-ended-by-customer");
    await page.reload();
    await page.locator("#start-form").waitFor({ state: "visible" });
    await context.close();
  });

  test("ends the chat from the agent's side", async () => {
    const { page, context } = await newPage();
    const contactId = await startChat(page, "Gus");
    assert.equal((await admin(`/_local/contacts/${contactId}/agent/end`, {})).status, 204);
    await page.locator(".event", { hasText: "left the chat" }).waitFor();
    await page.locator(".event", { hasText: "The chat has ended" }).waitFor();
    await page.locator("#status", { hasText: "Chat ended" }).waitFor();
    await shot(page, "10-ended-by-agent");
    await context.close();
  });

  test("two customers at once never see each other's messages", async () => {
    const one = await newPage();
    const two = await newPage();
    const [a, b] = await Promise.all([startChat(one.page, "Hana"), startChat(two.page, "Ivan")]);
    assert.notEqual(a, b);
    await Promise.all([send(one.page, "secret from Hana"), send(two.page, "secret from Ivan")]);
    await one.page.locator(".message--theirs", { hasText: "You said: secret from Hana" }).waitFor();
    await two.page.locator(".message--theirs", { hasText: "You said: secret from Ivan" }).waitFor();
    assert.equal(await one.page.locator("text=secret from Ivan").count(), 0);
    assert.equal(await two.page.locator("text=secret from Hana").count(), 0);
    assert.equal(await one.page.locator("text=Hello Ivan").count(), 0);
    await shot(one.page, "11-first-customer");
    await shot(two.page, "12-second-customer");
    await one.context.close();
    await two.context.close();
  });
});

// Never leave the stack behind, even when a hook throws.
process.on("exit", () => stopStack(stack));
process.on("SIGINT", () => { stopStack(stack); process.exit(130); });
