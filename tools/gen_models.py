#!/usr/bin/env python3
"""Trim botocore service models to what rampart's wire layer needs.

Writes crates/rampart-protocol/models/<service>.json for every service in
SERVICES, taken from the newest API version botocore's loader finds (with its
sdk-extras merges applied, as clients see the model).
Output is deterministic (sorted keys, one line per operation and per shape)
so that regenerating with the same botocore gives an identical file.

Usage:
    python tools/gen_models.py            # (re)write the models
    python tools/gen_models.py --check    # exit 1 if a committed model drifted
"""

import argparse
import json
import os
import sys

import botocore
import botocore.loaders

SERVICES = (
    "sts iam organizations kms secretsmanager ssm acm acm-pca wafv2 cloudtrail "
    "events guardduty securityhub config accessanalyzer macie2 shield fms elbv2 "
    "s3 inspector2 detective network-firewall"
).split()

OUT_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "crates", "rampart-protocol", "models"
)

METADATA_KEYS = (
    "protocol protocols apiVersion targetPrefix jsonVersion signingName endpointPrefix "
    "serviceId xmlNamespace awsQueryCompatible uid"
).split()

SHAPE_KEYS = (
    "type members member key value required min max enum timestampFormat error exception "
    "fault union sensitive document streaming event eventstream flattened locationName "
    "xmlNamespace payload"
).split()

REF_KEYS = (
    "shape location locationName queryName flattened xmlNamespace xmlAttribute jsonvalue "
    "idempotencyToken hostLabel eventpayload timestampFormat streaming"
).split()

OPERATION_INPUT_KEYS = ("shape", "locationName", "xmlNamespace")
OPERATION_OUTPUT_KEYS = ("shape", "resultWrapper")


def load(service):
    """The newest model of a service as botocore's loader builds it (with sdk-extras merged)."""
    return botocore.loaders.create_loader().load_service_model(service, "service-2")


def pick(src, keys):
    return {k: src[k] for k in keys if k in src}


def trim_shape(shape):
    out = pick(shape, SHAPE_KEYS)
    if "members" in out:
        out["members"] = {n: pick(r, REF_KEYS) for n, r in shape["members"].items()}
    for k in ("member", "key", "value"):
        if k in out:
            out[k] = pick(shape[k], REF_KEYS)
    return out


def trim_operation(op):
    out = {"name": op["name"], "http": pick(op["http"], ("method", "requestUri", "responseCode"))}
    if "input" in op:
        out["input"] = pick(op["input"], OPERATION_INPUT_KEYS)
    if "output" in op:
        out["output"] = pick(op["output"], OPERATION_OUTPUT_KEYS)
    if op.get("errors"):
        out["errors"] = [e["shape"] for e in op["errors"]]
    if op.get("authtype") == "none" or "smithy.api#noAuth" in op.get("auth", []):
        out["unsigned"] = True  # callers send it without a signature (AssumeRoleWithWebIdentity)
    if op.get("deprecated"):
        out["deprecated"] = True  # routing prefers the current operation on a shared URI
    if "endpoint" in op and "hostPrefix" in op["endpoint"]:
        out["hostPrefix"] = op["endpoint"]["hostPrefix"]
    return out


def line(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def render(service, model):
    metadata = pick(model["metadata"], METADATA_KEYS)
    parts = ["{", f'"name":{line(service)},', f'"metadata":{line(metadata)},', '"operations":{']
    ops = sorted(model["operations"].items())
    parts += [
        f"{line(n)}:{line(trim_operation(o))}{',' if i + 1 < len(ops) else ''}"
        for i, (n, o) in enumerate(ops)
    ]
    parts.append("},")
    parts.append('"shapes":{')
    shapes = sorted(model["shapes"].items())
    parts += [
        f"{line(n)}:{line(trim_shape(s))}{',' if i + 1 < len(shapes) else ''}"
        for i, (n, s) in enumerate(shapes)
    ]
    parts.append("}")
    parts.append("}")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed model differs")
    args = parser.parse_args()
    drifted = []
    for service in SERVICES:
        text = render(service, load(service))
        json.loads(text)  # the rendering must stay valid JSON
        path = os.path.join(OUT_DIR, f"{service}.json")
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        drifted.append(service)
            except FileNotFoundError:
                drifted.append(service)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if drifted:
        print("models differ from botocore " + botocore.__version__ + ": " + " ".join(drifted),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
