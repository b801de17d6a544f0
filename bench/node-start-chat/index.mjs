// lambda-bench's Node.js reference: POST /chat as a team would write it on Node.js 20 with the
// AWS SDK for JavaScript v3 (origin check, body and display-name rules, attribute allow-list,
// StartChatContact with the idempotency key, the widget's answer). lambda-bench runs it under
// the official Runtime Interface Client (the aws-lambda-ric package), on the same Runtime API
// as the Rust functions.
import { randomUUID } from "node:crypto";
import { ConnectClient, StartChatContactCommand } from "@aws-sdk/client-connect";

const client = new ConnectClient({ maxAttempts: 3 });
const allowedOrigins = new Set(
  (process.env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim().toLowerCase()).filter(Boolean),
);
const allowedAttributes = (process.env.ALLOWED_ATTRIBUTES ?? "").split(",").map((k) => k.trim()).filter(Boolean);
const attributeAllowed = (key) =>
  allowedAttributes.some((rule) => (rule.endsWith("*") ? key.startsWith(rule.slice(0, -1)) : key === rule));

function answer(statusCode, origin, body) {
  return {
    statusCode,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...(origin ? { "access-control-allow-origin": origin, vary: "Origin" } : {}),
    },
    body: JSON.stringify(body),
  };
}

const invalid = (origin, field, message) =>
  answer(400, origin, { error: { code: "InvalidField", field, message: `${field} ${message}` } });

export async function handler(event) {
  const headers = event.headers ?? {};
  const origin = headers.origin;
  if (!origin || !allowedOrigins.has(origin.toLowerCase())) {
    return answer(403, null, { error: { code: "OriginNotAllowed", message: "origin not allowed" } });
  }
  let body;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString() : event.body ?? "";
    body = JSON.parse(text);
  } catch {
    return answer(400, origin, { error: { code: "InvalidBody", message: "the body is not JSON" } });
  }
  const name = body?.ParticipantDetails?.DisplayName;
  if (typeof name !== "string" || name.trim().length < 1 || name.trim().length > 256) {
    return invalid(origin, "ParticipantDetails.DisplayName", "must be 1 to 256 characters");
  }
  const attributes = {};
  for (const [key, value] of Object.entries(body.Attributes ?? {})) {
    if (typeof value !== "string") return invalid(origin, `Attributes.${key}`, "must be a string");
    if (!attributeAllowed(key)) {
      return answer(400, origin, { error: { code: "AttributeNotAllowed", field: `Attributes.${key}` } });
    }
    attributes[key] = value;
  }
  const result = await client.send(
    new StartChatContactCommand({
      InstanceId: process.env.CONNECT_INSTANCE_ID,
      ContactFlowId: process.env.CONNECT_CONTACT_FLOW_ID,
      ParticipantDetails: { DisplayName: name.trim() },
      Attributes: attributes,
      ChatDurationInMinutes: Number(process.env.CHAT_DURATION_MINUTES ?? 60),
      ClientToken: headers["idempotency-key"] ?? body.ClientToken ?? randomUUID(),
      SupportedMessagingContentTypes: body.SupportedMessagingContentTypes,
    }),
  );
  return answer(200, origin, {
    data: {
      startChatResult: {
        ContactId: result.ContactId,
        ParticipantId: result.ParticipantId,
        ParticipantToken: result.ParticipantToken,
      },
    },
  });
}
