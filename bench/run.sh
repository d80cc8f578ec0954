#!/usr/bin/env bash
# Side-by-side benchmark on this machine, in one run:
#   rampart (release build, fresh data dir)
#   moto's server (pinned, own venv, IAM enforcement on: INITIAL_NO_AUTH_ACTION_COUNT)
#   a bare hyper "200 OK" handler (the ceiling of this machine's HTTP path).
# Every target is driven by the same generator (bench/src/load.rs) with freshly SigV4-signed
# requests at a fixed concurrency.
#
#   bash bench/run.sh            # full: 3 alternating rounds of 5 s per workload and target
#   bash bench/run.sh --quick    # CI smoke: 1 round of 2 s, checks that the harness works
#
# Targets alternate round by round and each reports its median round, so a burst of other
# work on the machine hits both sides alike.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=5
ROUNDS=3
CONCURRENCY=${CONCURRENCY:-32}
if [ "${1:-}" = "--quick" ]; then SECONDS_EACH=2; ROUNDS=1; fi

cargo build --release --quiet -p rampart -p rampart-bench
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/release"

work=$(mktemp -d)
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }

MOTO_VERSION=5.2.5
MOTO_VENV="$TARGET_DIR/bench-moto-venv"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

export AWS_ACCESS_KEY_ID=AKIABENCHROOTKEY0001 AWS_SECRET_ACCESS_KEY=benchSecretKeyForTheLoadGenerator0000000
RAMPART_PORT=$(free_port); BARE_PORT=$(free_port); MOTO_PORT=$(free_port)
RAMPART_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RAMPART_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RAMPART_LOG=warn "$BIN/rampart" serve --listen "127.0.0.1:$RAMPART_PORT" --data-dir "$work/data" >"$work/rampart.log" 2>&1 &
"$BIN/rampart-bench" bare --listen "127.0.0.1:$BARE_PORT" &
INITIAL_NO_AUTH_ACTION_COUNT=3 "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$work/moto.log" 2>&1 &
wait_http "http://127.0.0.1:$RAMPART_PORT/_rampart/health"
wait_http "http://127.0.0.1:$BARE_PORT/"
wait_http "http://127.0.0.1:$MOTO_PORT/moto-api/"
mapfile -t MOTO_KEY < <("$MOTO_VENV/bin/python" bench/moto_setup.py "http://127.0.0.1:$MOTO_PORT")
RAMPART_PID=$(pgrep -f "rampart serve --listen 127.0.0.1:$RAMPART_PORT" | head -1)
rss_kib() { awk -v f="$2" '$1 == f":" {print $2}' "/proc/$1/status"; }
RSS_START=$(rss_kib "$RAMPART_PID" VmRSS)

results="$work/results.jsonl"
# A KMS key and a ciphertext on each target (the bare handler answers anything).
mapfile -t RAMPART_KMS < <("$MOTO_VENV/bin/python" bench/kms_setup.py "http://127.0.0.1:$RAMPART_PORT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
mapfile -t MOTO_KMS < <("$MOTO_VENV/bin/python" bench/kms_setup.py "http://127.0.0.1:$MOTO_PORT" "${MOTO_KEY[0]}" "${MOTO_KEY[1]}")
# An IAM user whose access to ListUsers depends on ten attached policies, on each target.
mapfile -t RAMPART_LISTER < <("$MOTO_VENV/bin/python" bench/iam_setup.py "http://127.0.0.1:$RAMPART_PORT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
mapfile -t MOTO_LISTER < <("$MOTO_VENV/bin/python" bench/iam_setup.py "http://127.0.0.1:$MOTO_PORT" "${MOTO_KEY[0]}" "${MOTO_KEY[1]}")

# A secret and a SecureString parameter on each target.
mapfile -t RAMPART_SECRETS < <("$MOTO_VENV/bin/python" bench/secrets_setup.py "http://127.0.0.1:$RAMPART_PORT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
mapfile -t MOTO_SECRETS < <("$MOTO_VENV/bin/python" bench/secrets_setup.py "http://127.0.0.1:$MOTO_PORT" "${MOTO_KEY[0]}" "${MOTO_KEY[1]}")

run() { # label port workload key-id secret kms-key ciphertext secret-id parameter-name [extra flags]
  AWS_ACCESS_KEY_ID=$4 AWS_SECRET_ACCESS_KEY=$5 \
    "$BIN/rampart-bench" load --label "$1" --target "127.0.0.1:$2" --workload "$3" \
    --key-id "$6" --ciphertext "$7" --secret-id "$8" --parameter-name "$9" \
    --concurrency "$CONCURRENCY" --seconds "$SECONDS_EACH" "${@:10}" | tee -a "$results"
}
ROOT=("$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
for workload in sts-get-caller-identity cloudtrail-list-trails kms-encrypt kms-decrypt kms-generate-data-key \
    secrets-get-secret-value ssm-get-parameter mixed; do
  for _ in $(seq "$ROUNDS"); do
    run bare "$BARE_PORT" "$workload" "${ROOT[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}"
    run rampart "$RAMPART_PORT" "$workload" "${ROOT[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}"
    run moto "$MOTO_PORT" "$workload" "${MOTO_KEY[@]}" "${MOTO_KMS[@]}" "${MOTO_SECRETS[@]}"
  done
done
for _ in $(seq "$ROUNDS"); do
  run bare "$BARE_PORT" iam-list-users "${ROOT[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}"
  run rampart "$RAMPART_PORT" iam-list-users "${RAMPART_LISTER[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}"
  run moto "$MOTO_PORT" iam-list-users "${MOTO_LISTER[@]}" "${MOTO_KMS[@]}" "${MOTO_SECRETS[@]}"
done

# Latency at a stated load: open loop (each request sent on its schedule whatever the answers,
# latency counted from the scheduled time), the same connections, LATENCY_RATE requests/s in
# total. moto cannot sustain such a rate, so only rampart and the bare handler run it.
LATENCY_RATE=${LATENCY_RATE:-10000}
for workload in sts-get-caller-identity kms-encrypt; do
  for _ in $(seq "$ROUNDS"); do
    run bare "$BARE_PORT" "$workload" "${ROOT[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}" --rate "$LATENCY_RATE"
    run rampart "$RAMPART_PORT" "$workload" "${ROOT[@]}" "${RAMPART_KMS[@]}" "${RAMPART_SECRETS[@]}" --rate "$LATENCY_RATE"
  done
done

RSS_END=$(rss_kib "$RAMPART_PID" VmRSS); RSS_PEAK=$(rss_kib "$RAMPART_PID" VmHWM)
python3 - "$results" "$RSS_START" "$RSS_END" "$RSS_PEAK" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
rss_start, rss_end, rss_peak = (int(x) for x in sys.argv[2:5])
groups = {}
for r in runs:
    groups.setdefault((r["workload"], r["label"], r["mode"]), []).append(r)
# Each target's median round (by throughput in a closed loop, by p99 in an open one).
def median(rounds):
    key = (lambda r: r["rps"]) if rounds[0]["mode"] == "closed" else (lambda r: r["p99_ms"])
    return sorted(rounds, key=key)[len(rounds) // 2]
medians = {k: median(v) for k, v in groups.items()}
by = {(w, label): r for (w, label, mode), r in medians.items() if mode == "closed"}
for mode, title in [("closed", "closed loop: each connection sends when its last answer came"),
                    ("open", "open loop at a fixed total rate: latency at a stated load")]:
    rows = [r for (_, _, m), r in medians.items() if m == mode]
    if not rows:
        continue
    print()
    print(title)
    print(f'{"workload":26} {"target":8} {"req/s":>10} {"p50 ms":>8} {"p99 ms":>8} {"p99.9 ms":>9} {"errors":>7}')
    for r in rows:
        print(f'{r["workload"]:26} {r["label"]:8} {r["rps"]:10.0f} {r["p50_ms"]:8.2f} {r["p99_ms"]:8.2f} {r["p999_ms"]:9.2f} {r["errors"]:7d}')
print()
for w in sorted({w for (w, _) in by}):
    for peer in ["bare", "moto"]:
        if (w, "rampart") in by and (w, peer) in by:
            ratio = by[(w, "rampart")]["rps"] / max(by[(w, peer)]["rps"], 1e-9)
            print(f'{w}: rampart/{peer} throughput = {ratio:.2f}')
# Every request rampart answers is recorded in CloudTrail: a stored object.
recorded = sum(r["ok"] + r["errors"] for r in runs if r["label"] == "rampart")
print()
print(f"rampart peak RSS: {rss_peak / 1024:.1f} MiB; RSS growth per 10,000 recorded events: "
      f"{(rss_end - rss_start) / 1024 / max(recorded / 10000, 1e-9):.2f} MiB ({recorded} events)")
# rampart must answer every request; a peer that drops one (moto's development server closes
# connections under load now and then) is reported, and fails the run only if it answers none.
bad = [r for r in runs if (r["label"] == "rampart" and r["errors"] > 0) or r["ok"] == 0]
if bad:
    sys.exit(f"errors where there should be none: {bad}")
for r in runs:
    if r["label"] != "rampart" and r["errors"] > 0:
        print(f'note: {r["label"]} failed {r["errors"]} of {r["ok"] + r["errors"]} {r["workload"]} requests')
PY
