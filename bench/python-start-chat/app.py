"""lambda-bench's Python reference: POST /chat as a team would write it on Python 3 with boto3
(origin check, body and display-name rules, attribute allow-list, StartChatContact with the
idempotency key, the widget's answer). lambda-bench runs it under the official Runtime Interface
Client (the awslambdaric package), on the same Runtime API as the Rust functions."""

import base64
import json
import os
import uuid

import boto3
from botocore.config import Config

client = boto3.client("connect", config=Config(retries={"max_attempts": 3, "mode": "standard"}))
ALLOWED_ORIGINS = {
    o.strip().lower() for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o.strip()
}
ALLOWED_ATTRIBUTES = [k.strip() for k in os.environ.get("ALLOWED_ATTRIBUTES", "").split(",") if k.strip()]


def attribute_allowed(key):
    return any(
        key.startswith(rule[:-1]) if rule.endswith("*") else key == rule for rule in ALLOWED_ATTRIBUTES
    )


def answer(status, origin, body):
    headers = {"content-type": "application/json", "cache-control": "no-store"}
    if origin:
        headers.update({"access-control-allow-origin": origin, "vary": "Origin"})
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def invalid(origin, field, message):
    return answer(400, origin, {"error": {"code": "InvalidField", "field": field, "message": f"{field} {message}"}})


def handler(event, _context):
    headers = event.get("headers") or {}
    origin = headers.get("origin")
    if not origin or origin.lower() not in ALLOWED_ORIGINS:
        return answer(403, None, {"error": {"code": "OriginNotAllowed", "message": "origin not allowed"}})
    try:
        raw = event.get("body") or ""
        body = json.loads(base64.b64decode(raw) if event.get("isBase64Encoded") else raw)
    except ValueError:
        return answer(400, origin, {"error": {"code": "InvalidBody", "message": "the body is not JSON"}})
    name = (body.get("ParticipantDetails") or {}).get("DisplayName")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 256:
        return invalid(origin, "ParticipantDetails.DisplayName", "must be 1 to 256 characters")
    attributes = {}
    for key, value in (body.get("Attributes") or {}).items():
        if not isinstance(value, str):
            return invalid(origin, f"Attributes.{key}", "must be a string")
        if not attribute_allowed(key):
            return answer(400, origin, {"error": {"code": "AttributeNotAllowed", "field": f"Attributes.{key}"}})
        attributes[key] = value
    call = {
        "InstanceId": os.environ["CONNECT_INSTANCE_ID"],
        "ContactFlowId": os.environ["CONNECT_CONTACT_FLOW_ID"],
        "ParticipantDetails": {"DisplayName": name.strip()},
        "Attributes": attributes,
        "ChatDurationInMinutes": int(os.environ.get("CHAT_DURATION_MINUTES", "60")),
        "ClientToken": headers.get("idempotency-key") or body.get("ClientToken") or str(uuid.uuid4()),
    }
    if body.get("SupportedMessagingContentTypes"):
        call["SupportedMessagingContentTypes"] = body["SupportedMessagingContentTypes"]
    result = client.start_chat_contact(**call)
    return answer(
        200,
        origin,
        {
            "data": {
                "startChatResult": {
                    "ContactId": result["ContactId"],
                    "ParticipantId": result["ParticipantId"],
                    "ParticipantToken": result["ParticipantToken"],
                }
            }
        },
    )
