// Real-browser tests of the reference chat page: headless Debian chromium driven by
// playwright-core, against the local stack started with the README's command
// (scripts/local-stack.sh) on free loopback ports. Screenshots go to target/browser-screenshots/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync, readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
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

// `env` adds to (or overrides) the deployment's settings.
async function startStack(env = {}) {
  ports = { api: await freePort(), widget: await freePort() };
  const child = spawn(join(ROOT, "scripts", "local-stack.sh"), [], {
    env: {
      ...process.env,
      CONNECT_LOCAL_PORT: "0",
      API_PORT: String(ports.api),
      WIDGET_PORT: String(ports.widget),
      CONNECT_LOCAL_ARGS: "--agent-delay-ms 200 --reply-delay-ms 300 --reject-attachments-matching rejected",
      // The deployment turns the post-chat survey on.
      DISCONNECT_ON_CUSTOMER_EXIT: "AGENT",
      ...env,
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

// A solid-colour PNG of `size` x `size` pixels.
function png(size, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "ascii");
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}

async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  // A Content-Security-Policy refusal is a console error, not a page error.
  page.on("console", (m) => { if (m.type() === "error" && /Content Security Policy/.test(m.text())) problems.push(m.text()); });
  // CreateParticipantConnection calls, by whoever makes them (chatjs or the page).
  const connections = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/participant/connection")) connections.push(r.url()); });
  return { context, page, problems, connections };
}

// Words from the API that a customer should never read in an error.
const INTERNAL_WORDS = /AttachmentName|AttachmentSizeInBytes|ContentType|ParticipantDetails|DisplayName|InvalidField|HTTP \d/;

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

function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

describe("reference chat page in a real browser", () => {
  before(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  }, { timeout: STARTUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    stopStack(stack);
  });

  test("starts a chat, gets the greeting, exchanges messages both ways and shows typing and receipts", async () => {
    const { page, context, problems } = await newPage();
    await page.goto(pageUrl());
    await shot(page, "01-start-form");
    // A name with nothing visible in it: refused, in the customer's words.
    await page.fill("#display-name", "\u200b\u200b");
    await page.click("#start-chat");
    await page.locator("#error", { hasText: "please enter your name" }).waitFor();
    assert.doesNotMatch(await page.textContent("#error"), INTERNAL_WORDS);
    await shot(page, "01b-name-refused");
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

  test("asks for streamed answers and shows one in one bubble that ends with the whole message", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Sam");
    const asked = (await admin(`/_local/contacts/${contactId}`)).body;
    assert.equal(asked.ResponseMode, "INCREMENTAL");
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
    const { page, context, connections } = await newPage();
    const contactId = await startChat(page, "Bea");
    const image = png(64, [230, 126, 34]);
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
    for (const file of [{ name: "photo.png", mimeType: "image/png", buffer: image }, { name: "invoice.pdf", mimeType: "application/pdf", buffer: pdf }]) {
      await page.setInputFiles("#file", file);
      await page.locator(`.message--mine[data-status="APPROVED"]`, { hasText: file.name }).waitFor();
    }
    // The image shows as a thumbnail drawn from its bytes, the PDF with a PDF file icon.
    const thumbnail = page.locator(".message--mine .attachment__thumbnail[alt='photo.png']");
    await thumbnail.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector(".attachment__thumbnail[alt='photo.png']");
      return img && img.complete && img.naturalWidth === 64 && img.src.startsWith("blob:");
    });
    await page.locator(".message--mine", { hasText: "invoice.pdf" }).locator('.file-icon[data-kind="pdf"]').waitFor();
    await shot(page, "04-attachments-approved");
    // start-chat answered the connection credentials: the only CreateParticipantConnection
    // is chatjs's own, none for the uploads.
    assert.equal(connections.length, 1, "one CreateParticipantConnection for the whole chat");

    await page.setInputFiles("#file", { name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") });
    await page.locator("#error", { hasText: "setup.exe" }).waitFor();
    assert.match(await page.textContent("#error"), /this type of file can't be sent/);
    assert.doesNotMatch(await page.textContent("#error"), INTERNAL_WORDS);
    await shot(page, "05-refused-type");

    await page.setInputFiles("#file", { name: "huge.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(20 * 1024 * 1024 + 1) });
    await page.locator("#error", { hasText: "huge.pdf" }).waitFor();
    assert.match(await page.textContent("#error"), /too large\. Files can be up to 20 MB/);
    assert.doesNotMatch(await page.textContent("#error"), INTERNAL_WORDS);
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

  test("ends the chat from the customer's side through the post-chat survey", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Fay");
    await page.click("#end-chat");
    // The deployment sends DisconnectOnCustomerExit: the agent leaves, the survey asks.
    await page.locator(".event", { hasText: "left the chat" }).waitFor();
    const question = page.locator(".message--survey", { hasText: "how would you rate this chat" });
    await question.waitFor();
    await page.locator("#status", { hasText: "One last question" }).waitFor();
    assert.equal(await page.isVisible("#composer"), true, "the customer can answer");
    await shot(page, "09-survey-question");
    await send(page, "5");
    await page.locator(".message--survey", { hasText: "Thank you for your feedback" }).waitFor();
    await page.locator(".event", { hasText: "The chat has ended" }).waitFor();
    await page.locator("#status", { hasText: "Chat ended" }).waitFor();
    assert.equal(await page.isHidden("#composer"), true);
    const contact = (await admin(`/_local/contacts/${contactId}`)).body;
    assert.equal(contact.Ended, true);
    assert.equal(contact.Attributes.SurveyRating, "5");
    await shot(page, "09b-ended-after-survey");
    await page.reload();
    await page.locator("#start-form").waitFor({ state: "visible" });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("renders each interactive template and sends the customer's choice as interactive.response", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Kai");
    const cases = [
      ["ListPicker", "Billing"],
      ["Panel", "Track my order"],
      ["QuickReply", "Great"],
      ["Carousel", "Choose Plus"],
    ];
    for (const [template, option] of cases) {
      assert.equal((await admin(`/_local/contacts/${contactId}/agent/interactive`, { TemplateType: template })).status, 201);
      const box = page.locator(`.interactive[data-template="${template}"]`).last();
      await box.waitFor();
      await shot(page, `13-interactive-${template.toLowerCase()}`);
      await box.locator(".interactive__option", { hasText: option }).click();
      await page.locator(".message--mine", { hasText: option }).waitFor();
      await page.locator(".message--theirs", { hasText: `You chose: ${option}` }).waitFor();
      assert.equal(await box.locator("button:not([disabled])").count(), 0, "options are closed once answered");
    }
    // A time slot: the agent reads the date the customer picked.
    await admin(`/_local/contacts/${contactId}/agent/interactive`, { TemplateType: "TimePicker" });
    const picker = page.locator('.interactive[data-template="TimePicker"]');
    await picker.waitFor();
    await picker.locator(".interactive__option").first().click();
    await page.locator(".message--theirs", { hasText: /You chose: \d{4}-\d{2}-\d{2}T09:00/ }).waitFor();
    await shot(page, "13-interactive-timepicker");
    // A template this page does not draw falls back to its text.
    await admin(`/_local/contacts/${contactId}/agent/interactive`, { TemplateType: "ViewResource" });
    await page.locator('.interactive[data-template="ViewResource"] .interactive__fallback', { hasText: "Please confirm" }).waitFor();

    const transcript = (await admin(`/_local/contacts/${contactId}`)).body.Transcript;
    const answers = transcript.filter((i) => i.ParticipantRole === "CUSTOMER" && i.ContentType === "application/vnd.amazonaws.connect.message.interactive.response");
    assert.equal(answers.length, 5, "one interactive.response per answered template");
    assert.deepEqual(JSON.parse(answers[0].Content).data.content.elements, [{ title: "Billing" }]);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("renders markdown from the agent and shows hostile markup from either side as text", async () => {
    const { page, context, problems } = await newPage();
    const contactId = await startChat(page, "Lou");
    const hostile = [
      "**Order 1234** has *shipped*:",
      "- [Track it](https://example.com/track?id=1234)",
      "- [Free gift](javascript:window.__pwned=1)",
      "<img src=x onerror=\"window.__pwned=2\"><script>window.__pwned=3</script>",
    ].join("\n");
    const sent = await admin(`/_local/contacts/${contactId}/agent/messages`, { Content: hostile, ContentType: "text/markdown" });
    assert.equal(sent.status, 201);
    const bubble = page.locator(`li.message[data-id="${sent.body.Id}"]`);
    await bubble.locator(".markdown strong", { hasText: "Order 1234" }).waitFor();
    assert.equal(await bubble.locator(".markdown em", { hasText: "shipped" }).count(), 1);
    assert.equal(await bubble.locator('.markdown li a[href="https://example.com/track?id=1234"][rel~="noopener"]').count(), 1);
    assert.equal(await bubble.locator("a[href^='javascript']").count(), 0, "no javascript: link");
    assert.equal(await bubble.locator("li", { hasText: "Free gift" }).count(), 1, "the unsafe link stays as its text");
    assert.equal(await bubble.locator("img, script").count(), 0, "markup arrives as text");
    assert.match(await bubble.textContent(), /<img src=x onerror="window\.__pwned=2"><script>window\.__pwned=3<\/script>/);
    assert.equal(await bubble.locator(".markdown em", { hasText: "pwned" }).count(), 0, "underscores inside words are not emphasis");
    // The customer's own hostile text is shown as text too, on their page and in the agent's echo.
    await send(page, "<img src=y onerror=\"window.__pwned=4\"> **not bold**");
    await page.locator(".message--theirs", { hasText: "You said: <img src=y" }).waitFor();
    assert.equal(await page.locator(".messages img").count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await shot(page, "14-markdown-and-hostile-text");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("opens its own connection for attachments when start-chat answers without credentials", async () => {
    const { page, context, connections } = await newPage();
    // An older backend, or one that does not pass ConnectionTypes on: no ConnectionCredentials.
    await page.route("**/chat", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const response = await route.fetch();
      const body = await response.json();
      delete body.data.startChatResult.ConnectionCredentials;
      await route.fulfill({ response, json: body });
    });
    await startChat(page, "Max");
    await page.setInputFiles("#file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.locator('.message--mine[data-status="APPROVED"]', { hasText: "notes.txt" }).waitFor();
    await page.locator(".message--mine", { hasText: "notes.txt" }).locator('.file-icon[data-kind="txt"]').waitFor();
    assert.equal(connections.length, 2, "chatjs's connection and the page's own");
    await context.close();
  });

  test("connects again after the network closes or stalls its websocket, and shows what was sent meanwhile", async () => {
    const { page, context, problems, connections } = await newPage();
    const contactId = await startChat(page, "Rey");
    for (const mode of ["close", "stall"]) {
      const connectionsBefore = connections.length;
      const dropped = await admin(`/_local/contacts/${contactId}/websocket/drop`, { ParticipantRole: "CUSTOMER", Mode: mode });
      assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
      assert.equal(dropped.body.Dropped, 1, "the page's one socket");
      // The agent writes while the page's socket is gone (closed) or silent (stalled).
      const meanwhile = [`Sent while ${mode}, one`, `Sent while ${mode}, two`];
      for (const text of meanwhile) {
        const sent = await admin(`/_local/contacts/${contactId}/agent/messages`, { Content: text });
        assert.equal(sent.status, 201, JSON.stringify(sent.body));
      }
      // chatjs notices at once for a close and at a missed heartbeat (every 10 s) for a stall,
      // then makes a new connection with the same participant token; the page reads the
      // transcript again once connected (after a close) or once a heartbeat answers again
      // (after a stall).
      for (const text of meanwhile) {
        await page.locator(".message--theirs", { hasText: text }).waitFor({ timeout: 45000 });
      }
      assert.ok(connections.length > connectionsBefore, `a new CreateParticipantConnection after the ${mode}`);
      await page.locator("#status", { hasText: /^Connected$/ }).waitFor();
      await shot(page, `10a-reconnected-after-${mode}`);
    }
    // The new socket carries the chat both ways, and nothing shows twice.
    await send(page, "Back online");
    await page.locator(".message--theirs", { hasText: "You said: Back online" }).waitFor();
    for (const mode of ["close", "stall"]) {
      assert.equal(await page.locator(".message--theirs", { hasText: `Sent while ${mode}, one` }).count(), 1);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }, { timeout: 120000 });

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

// Connection tokens that live 65 s. chatjs asks for a new connection a minute before its token
// expires, so it renews every few seconds; the page's own token for uploads (from start-chat's
// answer) is refused once it has expired, and the page opens a new connection and tries again.
describe("reference chat page when connection tokens expire", () => {
  const TTL_SECONDS = 65;
  before(async () => {
    stack = await startStack({
      CONNECT_LOCAL_ARGS: `--agent-delay-ms 200 --reply-delay-ms 300 --connection-token-ttl-seconds ${TTL_SECONDS}`,
    });
    browser = await launchBrowser();
  }, { timeout: STARTUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    stopStack(stack);
  });

  test("chatjs renews its connection in time, and an upload with an expired token goes through on a new connection", async () => {
    const { page, context, problems, connections } = await newPage();
    const started = Date.now();
    await startChat(page, "Tia");
    const deadline = Date.now() + 20000;
    while (connections.length < 2) {
      assert.ok(Date.now() < deadline, `chatjs renewed its connection (${connections.length} so far)`);
      await page.waitForTimeout(200);
    }
    // Past the life of every token handed out at the start.
    await page.waitForTimeout(Math.max(0, started + (TTL_SECONDS + 2) * 1000 - Date.now()));
    await send(page, "Still there?");
    await page.locator(".message--theirs", { hasText: "You said: Still there?" }).waitFor();
    // The upload's first try carries start-chat's expired token and is refused as Connect
    // refuses it; the page opens a connection of its own and tries once more.
    const uploadStarts = [];
    page.on("response", (r) => { if (r.url().endsWith("/attachments/start")) uploadStarts.push(r.status()); });
    const ownConnections = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/participant/connection") && JSON.parse(r.postData() || "{}").Type?.join() === "CONNECTION_CREDENTIALS") ownConnections.push(r.url());
    });
    await page.setInputFiles("#file", { name: "late.png", mimeType: "image/png", buffer: png(16, [52, 152, 219]) });
    await page.locator('.message--mine[data-status="APPROVED"]', { hasText: "late.png" }).waitFor();
    assert.deepEqual(uploadStarts, [403, 200]);
    assert.equal(ownConnections.length, 1, "the page's own CreateParticipantConnection");
    assert.deepEqual(problems, []);
    await context.close();
  }, { timeout: 150000 });
});

// The deployment names the demo contact flow (examples/flows): it greets, asks a Lex stand-in,
// calls the order-lookup function of this workspace through cargo lambda watch, branches on
// its answer and queues the chat, where the agent takes it.
describe("reference chat page through a contact flow", () => {
  before(async () => {
    stack = await startStack({ CONNECT_CONTACT_FLOW_ID: "77777777-7777-4777-8777-777777777777" });
    browser = await launchBrowser();
  }, { timeout: STARTUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    stopStack(stack);
  });

  test("greets, asks the bot, calls the Lambda, branches on its answer, queues and reaches the agent", async () => {
    const { page, context, problems } = await newPage();
    await page.goto(pageUrl());
    await page.fill("#display-name", "Ana");
    await page.click("#start-chat");
    await page.locator(".message--theirs", { hasText: "Welcome to the connect-local demo flow" }).waitFor();
    await page.locator(".message--theirs", { hasText: "What can I do for you?" }).waitFor();
    await shot(page, "20-flow-bot-asks");
    await send(page, "track order A-100");
    await page.locator(".message--theirs", { hasText: "Looking up order A-100." }).waitFor();
    await page.locator(".message--theirs", { hasText: "Order A-100 shipped on 2026-12-01." }).waitFor();
    await page.locator(".message--theirs", { hasText: "Let me connect you with an agent." }).waitFor();
    await page.locator(".message--theirs", { hasText: "Hello Ana" }).waitFor();
    await send(page, "thanks for checking");
    await page.locator(".message--theirs", { hasText: "You said: thanks for checking" }).waitFor();
    await shot(page, "21-flow-reached-the-agent");
    const contactId = await page.evaluate(() => JSON.parse(sessionStorage.getItem("connect-chat-session")).details.ContactId);
    const contact = (await admin(`/_local/contacts/${contactId}`)).body;
    const path = contact.Flow.Path.map((s) => `${s.Identifier}:${s.Branch}`);
    for (const step of ["ask:Condition:TrackOrder", "lookup:NextAction", "check:Condition:shipped", "transfer:End"]) {
      assert.ok(path.includes(step), `${step} in ${path.join(", ")}`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
});

// A person plays the agent in connect-local's console (/console), on the demo flow with no
// simulated agent: the customer asks the bot for an agent, routing offers the chat, and the
// agent answers through the Participant Service.
describe("agent console with the reference page", () => {
  before(async () => {
    stack = await startStack({
      CONNECT_CONTACT_FLOW_ID: "77777777-7777-4777-8777-777777777777",
      CONNECT_LOCAL_ARGS: "--agent off --offer-timeout-ms 4000 --reject-attachments-matching rejected",
    });
    browser = await launchBrowser();
  }, { timeout: STARTUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close();
    stopStack(stack);
  });

  // A console page signed in as `name`, Available.
  async function consoleAs(name, viewport) {
    const { page, context, problems } = await newPage();
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(connectUrl("/console"));
    await page.fill("#agent-input", name);
    await page.press("#agent-input", "Enter");
    await page.locator("#agent-name", { hasText: name }).waitFor();
    await page.selectOption("#status", "Available");
    return { page, context, problems };
  }

  // The customer starts a chat on the reference page and asks the bot for an agent.
  async function customerAsksForAgent(name) {
    const { page, context, problems } = await newPage();
    await page.goto(pageUrl());
    await page.fill("#display-name", name);
    await page.click("#start-chat");
    await page.locator(".message--theirs", { hasText: "What can I do for you?" }).waitFor();
    await send(page, "agent");
    await page.locator(".message--theirs", { hasText: "Let me connect you with an agent." }).waitFor();
    return { page, context, problems };
  }

  // Types `text` a letter at a time until `seen` shows (typing events are rate-limited by the
  // sender), for at most about 12 seconds.
  async function typedUntilSeen(typingPage, input, seen, text) {
    await typingPage.fill(input, "");
    for (let attempt = 0; attempt < 12; attempt += 1) {
      await typingPage.locator(input).pressSequentially(text.slice(0, 1 + (attempt % text.length)), { delay: 20 });
      if (await seen.isVisible()) break;
      await typingPage.waitForTimeout(1000);
      if (await seen.isVisible()) break;
      await typingPage.fill(input, "");
    }
    await seen.waitFor({ state: "visible" });
    await typingPage.fill(input, text);
  }

  async function accept(consolePage, customer) {
    const offer = consolePage.locator(".offer", { hasText: customer });
    await offer.waitFor();
    await offer.getByRole("button", { name: "Accept" }).click();
    await consolePage.locator(`.tab`, { hasText: customer }).waitFor();
  }

  async function reply(consolePage, text) {
    const box = consolePage.locator(".chat:not([hidden]) textarea");
    await box.fill(text);
    await box.press("Enter");
    await consolePage.locator(".chat:not([hidden]) .item--mine", { hasText: text.replaceAll("**", "") }).waitFor();
  }

  test("agent and customer talk both ways with typing, receipts, files, an interactive message, a transfer and the end", async () => {
    const ava = await consoleAs("Ava");
    await shot(ava.page, "30-console-signed-in");
    const customer = await customerAsksForAgent("Ana");
    const page = customer.page;
    await shot(ava.page, "31-console-offer");
    await accept(ava.page, "Ana");
    const chat = ava.page.locator(".chat:not([hidden])");
    // The contact's panel: its attributes and the path it took through the demo flow.
    await chat.locator(".panel__path li", { hasText: "ask (ConnectParticipantWithLexBot) → Condition:Agent" }).waitFor();

    // Messages both ways, markdown rendered safely on the customer's side.
    await ava.page.check(".chat:not([hidden]) .as-markdown");
    await reply(ava.page, "Hi Ana, I'm **Ava**. How can I help?");
    await page.locator(".message--theirs strong", { hasText: "Ava" }).waitFor();
    await ava.page.uncheck(".chat:not([hidden]) .as-markdown");
    // The customer types: the console shows it; the console marks the message read.
    // (The page sends typing at most every 5 s, and it sent one for "agent" just before.)
    await typedUntilSeen(page, "#message", chat.locator(".typing", { hasText: "Ana is typing" }), "My parcel");
    await page.press("#message", "Enter");
    await chat.locator(".item", { hasText: "My parcel" }).waitFor();
    await page.locator('.message--mine[data-receipt="Read"]', { hasText: "My parcel" }).waitFor();
    // The agent types: the customer sees it; the customer's page reads the agent's message.
    await typedUntilSeen(ava.page, ".chat:not([hidden]) textarea", page.locator("#typing"), "Checking your parcel now");
    await chat.locator("textarea").press("Enter");
    await page.locator(".message--theirs", { hasText: "Checking your parcel now" }).waitFor();
    await chat.locator(".item--mine .receipt", { hasText: "Read" }).first().waitFor();
    await shot(ava.page, "32-console-conversation");

    // A file from the customer, a file from the agent: the same bytes arrive.
    const photo = png(24, [30, 140, 60]);
    await page.setInputFiles("#file", { name: "parcel.png", mimeType: "image/png", buffer: photo });
    const received = chat.locator(".item a", { hasText: "File: parcel.png" });
    await received.waitFor();
    await chat.locator(".item img.thumb").waitFor();
    const got = await ava.page.evaluate(async (href) => Array.from(new Uint8Array(await (await fetch(href)).arrayBuffer())), await received.getAttribute("href"));
    assert.deepEqual(Buffer.from(got), photo);
    const label = Buffer.from("Return label for Ana\n");
    await ava.page.setInputFiles(".chat:not([hidden]) .file", { name: "return-label.txt", mimeType: "text/plain", buffer: label });
    const link = page.locator(".message--theirs .attachment__download", { hasText: "return-label.txt" });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.deepEqual(readFileSync(await download.path()), label);

    // An interactive message, answered by the customer; the console shows the choice.
    await ava.page.selectOption(".chat:not([hidden]) .template", "QuickReply");
    const box = page.locator('.interactive[data-template="QuickReply"]').last();
    await box.waitFor();
    await box.locator(".interactive__option", { hasText: "Great" }).click();
    await chat.locator(".item", { hasText: "Chose: Great" }).waitFor();
    await shot(ava.page, "33-console-files-and-choice");

    // Ava transfers the chat to Ben, in a second browser context, who goes on with it.
    const ben = await consoleAs("Ben", { width: 360, height: 740 });
    await ava.page.waitForFunction(() => [...document.querySelectorAll(".chat:not([hidden]) .transfer-target option")].some((o) => o.textContent.includes("Ben")));
    const benOption = await chat.locator(".transfer-target option", { hasText: "Ben" }).getAttribute("value");
    await chat.locator(".transfer-target").selectOption(benOption);
    await chat.getByRole("button", { name: "Transfer" }).click();
    await chat.locator(".item--event", { hasText: "This chat is closed for you." }).waitFor();
    await accept(ben.page, "Ana");
    await ben.page.locator(".chat:not([hidden]) .item", { hasText: "My parcel" }).waitFor();
    await reply(ben.page, "Ben here, I have your chat.");
    await page.locator(".message--theirs", { hasText: "Ben here, I have your chat." }).waitFor();
    await send(page, "Thanks Ben");
    await ben.page.locator(".chat:not([hidden]) .item", { hasText: "Thanks Ben" }).waitFor();
    await shot(ben.page, "34-console-after-transfer-360px");

    // Ben ends the chat: the disconnect flow asks the customer its survey question.
    await ben.page.getByRole("button", { name: "End chat" }).click();
    await ben.page.locator(".chat:not([hidden]) .close").waitFor({ state: "visible" });
    await page.locator(".message--theirs", { hasText: "how would you rate this chat" }).waitFor();
    await shot(page, "35-customer-after-agent-ended");
    for (const p of [ava.problems, ben.problems, customer.problems]) assert.deepEqual(p, []);
    await Promise.all([ava.context.close(), ben.context.close(), customer.context.close()]);
  });

  test("an offer nobody accepts moves to the next agent, and with nobody available the chat waits in the queue flow", async () => {
    const cid = await consoleAs("Cid");
    const dan = await consoleAs("Dan");
    const customer = await customerAsksForAgent("Eve");
    // Cid has been Available longer: the offer rings there first, then moves to Dan.
    await cid.page.locator(".offer", { hasText: "Eve" }).waitFor();
    await shot(cid.page, "36-console-offer-ringing");
    await dan.page.locator(".offer", { hasText: "Eve" }).waitFor({ timeout: 10000 });
    await cid.page.locator(".offer", { hasText: "Eve" }).waitFor({ state: "detached" });
    await dan.page.locator(".offer", { hasText: "Eve" }).getByRole("button", { name: "Reject" }).click();

    // Nobody left who has not declined: the chat waits, and the queue flow plays.
    await customer.page.locator(".message--theirs", { hasText: "You are in the BasicQueue queue" }).waitFor();
    const contactId = await customer.page.evaluate(() => JSON.parse(sessionStorage.getItem("connect-chat-session")).details.ContactId);
    const setupNow = (await admin("/_local/setup")).body;
    const basic = setupNow.Queues.find((q) => q.Queue.Name === "BasicQueue");
    assert.deepEqual(basic.Waiting, [contactId]);
    // The console shows the waiting chat and every agent's status too.
    await dan.page.locator("#floor-queues", { hasText: "BasicQueue: 1 waiting" }).waitFor();
    await dan.page.locator("#floor-agents", { hasText: "Cid: Available" }).waitFor();
    await send(customer.page, "Still here");
    await customer.page.locator(".message--theirs", { hasText: "the agent will see your message" }).waitFor();
    await shot(customer.page, "37-customer-waiting-in-queue");
    // A third agent signs in: the waiting chat is offered at once, history included.
    const fay = await consoleAs("Fay");
    await accept(fay.page, "Eve");
    await fay.page.locator(".chat:not([hidden]) .item", { hasText: "Still here" }).waitFor();
    await fay.page.locator("#floor-agents", { hasText: "Fay: Available, on 1 chat" }).waitFor();
    await Promise.all([cid.context.close(), dan.context.close(), fay.context.close(), customer.context.close()]);
  });
});

