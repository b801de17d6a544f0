// A widget backend's path against connect-local with the AWS SDK for JavaScript v3: start a
// chat, open the participant connection, messages both ways over the websocket, transcript
// paging, an attachment and a case file round trip, and every error the model gives these
// operations, each arriving with its name, status and request id. CONNECT_LOCAL_BIN names the
// binary (target/debug/connect-local by default).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import WebSocket from "ws";
import {
  ConnectClient,
  StartChatContactCommand,
  StartAttachedFileUploadCommand,
  CompleteAttachedFileUploadCommand,
} from "@aws-sdk/client-connect";
import {
  ConnectParticipantClient,
  CreateParticipantConnectionCommand,
  SendMessageCommand,
  GetTranscriptCommand,
  StartAttachmentUploadCommand,
  CompleteAttachmentUploadCommand,
  GetAttachmentCommand,
} from "@aws-sdk/client-connectparticipant";
import {
  ConnectCasesClient,
  CreateRelatedItemCommand,
  SearchRelatedItemsCommand,
} from "@aws-sdk/client-connectcases";

const root = new URL("../../../", import.meta.url);
const bin = process.env.CONNECT_LOCAL_BIN ?? new URL("target/debug/connect-local", root).pathname;
const model = (service) =>
  JSON.parse(readFileSync(new URL(`emulator/models/${service}.json`, root), "utf8"));

const INSTANCE_ID = "11111111-1111-4111-8111-111111111111";
const CONTACT_FLOW_ID = "22222222-2222-4222-8222-222222222222";
const DOMAIN_ID = "33333333-3333-4333-8333-333333333333";
const CASE_ID = "8d9f2a2e-5b61-4c1c-9a0e-2f7c1d0b6e11";
const CASE_ARN = `arn:aws:cases:us-east-1:123456789012:domain/${DOMAIN_ID}/case/${CASE_ID}`;

let server;
let base;
let connect;
let participant;
let cases;

before(async () => {
  server = spawn(bin, ["--listen", "127.0.0.1:0", "--agent-delay-ms", "50", "--reply-delay-ms", "50"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await Promise.race([
    new Promise((resolve) => createInterface({ input: server.stdout }).once("line", (l) => resolve([l]))),
    new Promise((_, reject) => setTimeout(() => reject(new Error("connect-local did not start")), 30_000)),
  ]);
  base = line.replace("connect-local ready at ", "").trim();
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const config = {
    endpoint: base,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIALOCALCONNECT0001", secretAccessKey: "connect-local-secret-access-key" },
    maxAttempts: 1,
  };
  connect = new ConnectClient(config);
  participant = new ConnectParticipantClient(config);
  cases = new ConnectCasesClient(config);
});

after(() => server?.kill("SIGTERM"));

/** A chat as start-chat opens it, and the customer's connection. */
async function chat() {
  const started = await connect.send(
    new StartChatContactCommand({
      InstanceId: INSTANCE_ID,
      ContactFlowId: CONTACT_FLOW_ID,
      ParticipantDetails: { DisplayName: "Ana" },
      ClientToken: randomUUID(),
    }),
  );
  const connection = await participant.send(
    new CreateParticipantConnectionCommand({
      ParticipantToken: started.ParticipantToken,
      Type: ["WEBSOCKET", "CONNECTION_CREDENTIALS"],
      ConnectParticipant: true,
    }),
  );
  return { started, connection, token: connection.ConnectionCredentials.ConnectionToken };
}

/** The customer's websocket, subscribed to the chat; `next(predicate)` waits for an item. */
async function websocket(url) {
  const socket = new WebSocket(url);
  const items = [];
  const waiting = [];
  socket.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.topic !== "aws/chat") return;
    items.push(JSON.parse(frame.content));
    for (const w of [...waiting]) w();
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ topic: "aws/subscribe", content: { topics: ["aws/chat"] } }));
  const next = (predicate, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = items.find(predicate);
        if (found) {
          waiting.splice(waiting.indexOf(check), 1);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => reject(new Error(`no ${what} on the websocket: ${JSON.stringify(items)}`)), 15_000);
      waiting.push(check);
      check();
    });
  return { socket, next };
}

async function upload(url, headers, bytes) {
  const answer = await fetch(url, { method: "PUT", headers, body: bytes });
  assert.equal(answer.status, 200, await answer.text());
}

test("start, connect, messages both ways over the websocket, transcript paging", async () => {
  const { connection, token } = await chat();
  const { socket, next } = await websocket(connection.Websocket.Url);
  try {
    // The simulated agent joins once the flow queues the chat, and greets.
    const greeting = await next((i) => i.Type === "MESSAGE" && i.ParticipantRole === "AGENT", "agent greeting");
    assert.match(greeting.Content, /^Hello Ana/);
    const text = `Where is order ${randomUUID()}?`;
    const sent = await participant.send(
      new SendMessageCommand({ ContentType: "text/plain", Content: text, ConnectionToken: token }),
    );
    assert.ok(sent.Id);
    const own = await next((i) => i.Type === "MESSAGE" && i.ParticipantRole === "CUSTOMER", "customer message");
    assert.equal(own.Content, text);
    assert.equal(own.Id, sent.Id);
    const reply = await next(
      (i) => i.Type === "MESSAGE" && i.ParticipantRole === "AGENT" && i.Content === `You said: ${text}`,
      "agent reply",
    );
    assert.ok(reply.Id);

    // One item per page, forward from the start, until NextToken runs out.
    const ids = [];
    let nextToken;
    do {
      const page = await participant.send(
        new GetTranscriptCommand({
          ConnectionToken: token,
          MaxResults: 1,
          ScanDirection: "FORWARD",
          SortOrder: "ASCENDING",
          NextToken: nextToken,
        }),
      );
      assert.ok(page.Transcript.length <= 1);
      ids.push(...page.Transcript.map((i) => i.Id));
      nextToken = page.NextToken;
    } while (nextToken && ids.length < 100);
    assert.ok(ids.length >= 4, `the transcript has the events and the three messages: ${ids}`);
    assert.ok(ids.includes(greeting.Id), "the greeting is in the transcript");
    assert.equal(new Set(ids).size, ids.length, "no item twice");
    assert.ok(ids.indexOf(sent.Id) < ids.indexOf(reply.Id), "in order");
  } finally {
    socket.close();
  }
});

test("an attachment goes up and comes back with the same bytes", async () => {
  const { token } = await chat();
  const bytes = Buffer.from("%PDF-1.4 connect-local JS client suite\n");
  const started = await participant.send(
    new StartAttachmentUploadCommand({
      ContentType: "application/pdf",
      AttachmentSizeInBytes: bytes.length,
      AttachmentName: "invoice.pdf",
      ClientToken: randomUUID(),
      ConnectionToken: token,
    }),
  );
  await upload(started.UploadMetadata.Url, started.UploadMetadata.HeadersToInclude, bytes);
  await participant.send(
    new CompleteAttachmentUploadCommand({
      AttachmentIds: [started.AttachmentId],
      ClientToken: randomUUID(),
      ConnectionToken: token,
    }),
  );
  const got = await participant.send(
    new GetAttachmentCommand({ AttachmentId: started.AttachmentId, ConnectionToken: token }),
  );
  const downloaded = Buffer.from(await (await fetch(got.Url)).arrayBuffer());
  assert.deepEqual(downloaded, bytes);
});

test("a case file goes up and onto its case", async () => {
  const bytes = Buffer.from("%PDF-1.4 a case file\n");
  const started = await connect.send(
    new StartAttachedFileUploadCommand({
      InstanceId: INSTANCE_ID,
      FileName: "claim.pdf",
      FileSizeInBytes: bytes.length,
      FileUseCaseType: "ATTACHMENT",
      AssociatedResourceArn: CASE_ARN,
      ClientToken: randomUUID(),
    }),
  );
  await upload(started.UploadUrlMetadata.Url, started.UploadUrlMetadata.HeadersToInclude, bytes);
  await connect.send(
    new CompleteAttachedFileUploadCommand({
      InstanceId: INSTANCE_ID,
      FileId: started.FileId,
      AssociatedResourceArn: CASE_ARN,
    }),
  );
  const item = await cases.send(
    new CreateRelatedItemCommand({
      domainId: DOMAIN_ID,
      caseId: CASE_ID,
      type: "File",
      content: { file: { fileArn: started.FileArn } },
    }),
  );
  const found = await cases.send(
    new SearchRelatedItemsCommand({ domainId: DOMAIN_ID, caseId: CASE_ID, filters: [{ file: {} }] }),
  );
  const item_arns = found.relatedItems.map((i) => [i.relatedItemId, i.content.file.fileArn]);
  assert.ok(
    item_arns.some(([id, arn]) => id === item.relatedItemId && arn === started.FileArn),
    JSON.stringify(item_arns),
  );
});

test("every modelled error of these operations arrives with its name, status and request id", async () => {
  const { token } = await chat();
  const calls = {
    connect: {
      StartChatContact: () =>
        connect.send(
          new StartChatContactCommand({
            InstanceId: INSTANCE_ID,
            ContactFlowId: CONTACT_FLOW_ID,
            ParticipantDetails: { DisplayName: "Ana" },
          }),
        ),
    },
    connectparticipant: {
      SendMessage: () =>
        participant.send(new SendMessageCommand({ ContentType: "text/plain", Content: "hi", ConnectionToken: token })),
      GetTranscript: () => participant.send(new GetTranscriptCommand({ ConnectionToken: token })),
      StartAttachmentUpload: () =>
        participant.send(
          new StartAttachmentUploadCommand({
            ContentType: "application/pdf",
            AttachmentSizeInBytes: 10,
            AttachmentName: "a.pdf",
            ClientToken: randomUUID(),
            ConnectionToken: token,
          }),
        ),
    },
    connectcases: {
      SearchRelatedItems: () => cases.send(new SearchRelatedItemsCommand({ domainId: DOMAIN_ID, caseId: CASE_ID })),
    },
  };
  let checked = 0;
  for (const [service, operations] of Object.entries(calls)) {
    const { operations: modelled, shapes } = model(service);
    for (const [operation, call] of Object.entries(operations)) {
      const errors = modelled[operation].errors.map((e) => e.shape);
      assert.ok(errors.length > 0, operation);
      for (const error of errors) {
        const armed = await fetch(`${base}/_local/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ operation, error, count: 1 }),
        });
        assert.equal(armed.status, 201, `${operation} ${error}: ${await armed.text()}`);
        await assert.rejects(call, (err) => {
          assert.equal(err.name, error, `${operation}`);
          assert.equal(err.$metadata.httpStatusCode, shapes[error].error?.httpStatusCode ?? 400, `${operation} ${error}`);
          assert.ok(err.$metadata.requestId, `${operation} ${error} has a request id`);
          return true;
        });
        checked += 1;
      }
      // Disarmed after one: the next call succeeds.
      await call();
    }
  }
  assert.ok(checked >= 15, `${checked} errors checked`);
});
