"""A widget backend's path against connect-local with boto3: start a chat, open the participant
connection, messages both ways over the websocket, transcript paging, an attachment and a case
file round trip, and every error the model gives these operations, each arriving with its code,
status and request id. CONNECT_LOCAL_BIN names the binary (target/debug/connect-local by
default). Run with `python -m unittest` from this directory."""

import json
import os
import pathlib
import subprocess
import time
import unittest
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from websockets.sync.client import connect as websocket_connect

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("CONNECT_LOCAL_BIN", str(ROOT / "target/debug/connect-local"))
INSTANCE_ID = "11111111-1111-4111-8111-111111111111"
CONTACT_FLOW_ID = "22222222-2222-4222-8222-222222222222"
DOMAIN_ID = "33333333-3333-4333-8333-333333333333"
CASE_ID = "8d9f2a2e-5b61-4c1c-9a0e-2f7c1d0b6e11"
CASE_ARN = f"arn:aws:cases:us-east-1:123456789012:domain/{DOMAIN_ID}/case/{CASE_ID}"


def model(service):
    return json.loads((ROOT / "emulator/models" / f"{service}.json").read_text())


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read()


class WidgetBackend(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen(
            [BIN, "--listen", "127.0.0.1:0", "--agent-delay-ms", "50", "--reply-delay-ms", "50"],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = cls.server.stdout.readline()
        if not line.startswith("connect-local ready at "):
            cls.server.kill()
            raise RuntimeError(f"connect-local did not start: {line!r}")
        cls.base = line.removeprefix("connect-local ready at ").strip()
        session = boto3.session.Session(
            aws_access_key_id="AKIALOCALCONNECT0001",
            aws_secret_access_key="connect-local-secret-access-key",
            region_name="us-east-1",
        )
        config = Config(retries={"total_max_attempts": 1})
        cls.connect = session.client("connect", endpoint_url=cls.base, config=config)
        cls.participant = session.client("connectparticipant", endpoint_url=cls.base, config=config)
        cls.cases = session.client("connectcases", endpoint_url=cls.base, config=config)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)

    def chat(self):
        started = self.connect.start_chat_contact(
            InstanceId=INSTANCE_ID,
            ContactFlowId=CONTACT_FLOW_ID,
            ParticipantDetails={"DisplayName": "Ana"},
            ClientToken=str(uuid.uuid4()),
        )
        connection = self.participant.create_participant_connection(
            ParticipantToken=started["ParticipantToken"],
            Type=["WEBSOCKET", "CONNECTION_CREDENTIALS"],
            ConnectParticipant=True,
        )
        return connection, connection["ConnectionCredentials"]["ConnectionToken"]

    def test_start_connect_messages_both_ways_and_transcript_paging(self):
        connection, token = self.chat()
        with websocket_connect(connection["Websocket"]["Url"]) as socket:
            socket.send(json.dumps({"topic": "aws/subscribe", "content": {"topics": ["aws/chat"]}}))
            items = []

            def next_item(predicate, what):
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    found = next((i for i in items if predicate(i)), None)
                    if found:
                        return found
                    try:
                        frame = json.loads(socket.recv(timeout=max(0.0, deadline - time.monotonic())))
                    except TimeoutError:
                        break
                    if frame.get("topic") == "aws/chat":
                        items.append(json.loads(frame["content"]))
                self.fail(f"no {what} on the websocket: {items}")

            greeting = next_item(lambda i: i["Type"] == "MESSAGE" and i["ParticipantRole"] == "AGENT", "greeting")
            self.assertTrue(greeting["Content"].startswith("Hello Ana"))
            text = f"Where is order {uuid.uuid4()}?"
            sent = self.participant.send_message(ContentType="text/plain", Content=text, ConnectionToken=token)
            own = next_item(lambda i: i["Type"] == "MESSAGE" and i["ParticipantRole"] == "CUSTOMER", "own message")
            self.assertEqual((own["Id"], own["Content"]), (sent["Id"], text))
            reply = next_item(
                lambda i: i["Type"] == "MESSAGE" and i.get("Content") == f"You said: {text}", "agent reply"
            )

        ids, token_arg = [], {}
        while True:
            page = self.participant.get_transcript(
                ConnectionToken=token, MaxResults=1, ScanDirection="FORWARD", SortOrder="ASCENDING", **token_arg
            )
            self.assertLessEqual(len(page["Transcript"]), 1)
            ids += [i["Id"] for i in page["Transcript"]]
            if "NextToken" not in page or len(ids) >= 100:
                break
            token_arg = {"NextToken": page["NextToken"]}
        self.assertEqual(len(ids), len(set(ids)), "no item twice")
        for item in (greeting, own, reply):
            self.assertIn(item["Id"], ids)
        self.assertLess(ids.index(greeting["Id"]), ids.index(own["Id"]))
        self.assertLess(ids.index(own["Id"]), ids.index(reply["Id"]))

    def test_an_attachment_goes_up_and_comes_back_with_the_same_bytes(self):
        _, token = self.chat()
        data = b"%PDF-1.4 connect-local boto3 client suite\n"
        started = self.participant.start_attachment_upload(
            ContentType="application/pdf",
            AttachmentSizeInBytes=len(data),
            AttachmentName="invoice.pdf",
            ClientToken=str(uuid.uuid4()),
            ConnectionToken=token,
        )
        upload = started["UploadMetadata"]
        status, _ = http("PUT", upload["Url"], data, upload["HeadersToInclude"])
        self.assertEqual(status, 200)
        self.participant.complete_attachment_upload(
            AttachmentIds=[started["AttachmentId"]], ClientToken=str(uuid.uuid4()), ConnectionToken=token
        )
        got = self.participant.get_attachment(AttachmentId=started["AttachmentId"], ConnectionToken=token)
        self.assertEqual(http("GET", got["Url"])[1], data)

    def test_a_case_file_goes_up_and_onto_its_case(self):
        data = b"%PDF-1.4 a case file\n"
        started = self.connect.start_attached_file_upload(
            InstanceId=INSTANCE_ID,
            FileName="claim.pdf",
            FileSizeInBytes=len(data),
            FileUseCaseType="ATTACHMENT",
            AssociatedResourceArn=CASE_ARN,
            ClientToken=str(uuid.uuid4()),
        )
        upload = started["UploadUrlMetadata"]
        self.assertEqual(http("PUT", upload["Url"], data, upload["HeadersToInclude"])[0], 200)
        self.connect.complete_attached_file_upload(
            InstanceId=INSTANCE_ID, FileId=started["FileId"], AssociatedResourceArn=CASE_ARN
        )
        item = self.cases.create_related_item(
            domainId=DOMAIN_ID, caseId=CASE_ID, type="File", content={"file": {"fileArn": started["FileArn"]}}
        )
        found = self.cases.search_related_items(domainId=DOMAIN_ID, caseId=CASE_ID, filters=[{"file": {}}])
        self.assertIn(
            (item["relatedItemId"], started["FileArn"]),
            [(i["relatedItemId"], i["content"]["file"]["fileArn"]) for i in found["relatedItems"]],
        )

    def test_every_modelled_error_arrives_with_its_code_status_and_request_id(self):
        _, token = self.chat()
        calls = {
            "connect": {
                "StartChatContact": lambda: self.connect.start_chat_contact(
                    InstanceId=INSTANCE_ID, ContactFlowId=CONTACT_FLOW_ID, ParticipantDetails={"DisplayName": "Ana"}
                ),
            },
            "connectparticipant": {
                "SendMessage": lambda: self.participant.send_message(
                    ContentType="text/plain", Content="hi", ConnectionToken=token
                ),
                "GetTranscript": lambda: self.participant.get_transcript(ConnectionToken=token),
                "StartAttachmentUpload": lambda: self.participant.start_attachment_upload(
                    ContentType="application/pdf",
                    AttachmentSizeInBytes=10,
                    AttachmentName="a.pdf",
                    ClientToken=str(uuid.uuid4()),
                    ConnectionToken=token,
                ),
            },
            "connectcases": {
                "SearchRelatedItems": lambda: self.cases.search_related_items(domainId=DOMAIN_ID, caseId=CASE_ID),
            },
        }
        checked = 0
        for service, operations in calls.items():
            described = model(service)
            for operation, call in operations.items():
                errors = [e["shape"] for e in described["operations"][operation]["errors"]]
                self.assertTrue(errors, operation)
                for error in errors:
                    body = json.dumps({"operation": operation, "error": error, "count": 1}).encode()
                    status, answer = http(
                        "POST", f"{self.base}/_local/faults", body, {"content-type": "application/json"}
                    )
                    self.assertEqual(status, 201, answer)
                    with self.assertRaises(ClientError, msg=f"{operation} {error}") as raised:
                        call()
                    response = raised.exception.response
                    expected = described["shapes"][error].get("error", {}).get("httpStatusCode", 400)
                    self.assertEqual(response["Error"]["Code"], error, operation)
                    self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], expected, f"{operation} {error}")
                    self.assertTrue(response["ResponseMetadata"].get("RequestId"), f"{operation} {error}")
                    checked += 1
                call()
        self.assertGreaterEqual(checked, 15)


if __name__ == "__main__":
    unittest.main()
