#!/usr/bin/env bash
# Runs every test of rampart: formatting and lints; the Rust unit, property and integration
# tests (the AWS SDK for Rust ones start a real server); the policy engine's differential run
# against an independent oracle (npm, pinned); the model drift check; the end-to-end tests that
# drive a real server with the official AWS CLI and boto3 (installed, pinned, into .venv); and a
# smoke run of the benchmark harness (rampart, moto and a bare handler side by side).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Python tools for the end-to-end tests (.venv, pinned)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt

step "The AWS Encryption SDK CLI (.venv-esdk-cli, pinned; it needs the 3.x SDK)"
if [ ! -x .venv-esdk-cli/bin/python ]; then
  python3 -m venv .venv-esdk-cli
fi
.venv-esdk-cli/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements-esdk-cli.txt

step "SoftHSM2 for the KMS custom key store tests (Debian's softhsm2; they skip, saying so, without it)"
if ! command -v softhsm2-util >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  { $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq softhsm2; } \
    || echo "warning: could not install softhsm2; the custom key store tests will be skipped"
fi

# --- PostgreSQL for the Secrets Manager rotation tests (owned by rampart-svc-secrets) ---
step "PostgreSQL for the Secrets Manager rotation tests (Debian's postgresql; they skip, saying so, without it)"
if ! { command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; } \
   && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  { $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq postgresql; } \
    || echo "warning: could not install postgresql; the PostgreSQL rotation tests will be skipped"
fi
# --- end of the PostgreSQL block ---

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test (the AWS SDK for Rust tests start the rampart binary, so build it first)"
cargo build --quiet -p rampart
cargo test --workspace --quiet

step "policy engine against the independent oracle (@cloud-copilot/iam-simulate), 2000 random cases"
bash crates/rampart-policy/differential/run.sh 2000

step "botocore model drift"
.venv/bin/python tools/gen_models.py --check

step "end-to-end tests with the AWS CLI and boto3"
PATH="$PWD/.venv/bin:$PATH" ESDK_CLI="$PWD/.venv-esdk-cli/bin/aws-encryption-cli" RAMPART_BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/rampart" \
  .venv/bin/python -m pytest -q tests/e2e

step "benchmark harness smoke run (no timing assertions)"
bash bench/run.sh --quick
