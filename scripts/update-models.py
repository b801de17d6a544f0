#!/usr/bin/env python3
"""Refreshes emulator/models/ from the AWS service models that botocore ships on PyPI.

Keeps, for each service, the operations connect-local serves and every shape they reach, and
drops documentation strings (connect-local and its conformance test read only the structure).
Usage: scripts/update-models.py [BOTOCORE_VERSION]   (default: the version in models/VERSION)
"""
import gzip
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "emulator" / "models"

# service directory in botocore -> (file name here, operations connect-local serves)
SERVICES = {
    "connect/2017-08-08": ("connect.json", [
        "StartChatContact",
        "StartAttachedFileUpload",
        "CompleteAttachedFileUpload",
        "GetAttachedFile",
        "CreateContactFlow",
        "UpdateContactFlowContent",
        "DescribeContactFlow",
        "ListContactFlows",
        "ListQueues",
        "DescribeQueue",
        "TransferContact",
        "StopContact",
        "DescribeContact",
        "GetContactAttributes",
        "UpdateContactAttributes",
        "CreateParticipant",
        "StartContactStreaming",
        "StopContactStreaming",
        "UpdateParticipantRoleConfig",
        "SendChatIntegrationEvent",
    ]),
    "connectparticipant/2018-09-07": ("connectparticipant.json", None),
    "connectcases/2022-10-03": ("connectcases.json", [
        "CreateRelatedItem",
        "SearchRelatedItems",
    ]),
}


def reachable(shapes, roots):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for member in shape.get("members", {}).values():
            todo.append(member["shape"])
        for key in ("member", "key", "value"):
            if key in shape:
                todo.append(shape[key]["shape"])
    return seen


def strip_docs(value):
    if isinstance(value, dict):
        return {k: strip_docs(v) for k, v in value.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(value, list):
        return [strip_docs(v) for v in value]
    return value


def trim(model, operations):
    operations = operations or sorted(model["operations"])
    ops = {name: model["operations"][name] for name in operations}
    roots = set()
    for op in ops.values():
        for key in ("input", "output"):
            if key in op:
                roots.add(op[key]["shape"])
        roots.update(error["shape"] for error in op.get("errors", []))
    shapes = {name: model["shapes"][name] for name in sorted(reachable(model["shapes"], roots))}
    return strip_docs({"version": model.get("version"), "metadata": model["metadata"],
                       "operations": ops, "shapes": shapes})


def main():
    version = sys.argv[1] if len(sys.argv) > 1 else (MODELS / "VERSION").read_text().split()[1]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "-d", tmp, f"botocore=={version}"], check=True)
        wheel = next(pathlib.Path(tmp).glob("botocore-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for directory, (file_name, operations) in SERVICES.items():
                raw = archive.read(f"botocore/data/{directory}/service-2.json.gz")
                model = trim(json.loads(gzip.decompress(raw)), operations)
                text = json.dumps(model, indent=1, sort_keys=True) + "\n"
                (MODELS / file_name).write_text(text)
            (MODELS / "LICENSE.txt").write_bytes(archive.read(f"botocore-{version}.dist-info/LICENSE.txt"))
            (MODELS / "NOTICE").write_bytes(archive.read(f"botocore-{version}.dist-info/NOTICE"))
    (MODELS / "VERSION").write_text(f"botocore {version}\n")
    print(f"emulator/models updated from botocore {version}")


if __name__ == "__main__":
    main()
