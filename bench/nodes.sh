#!/usr/bin/env bash
# Throughput of rampart's deployments, side by side on this machine (issue 9's closing note):
#   sqlite    one node on the embedded store (the default)
#   pg-1      one node on PostgreSQL
#   pg-2      two nodes on one PostgreSQL, the generator's connections spread over both
# for a read-heavy workload (STS GetCallerIdentity; SSM GetParameter with decryption) and a
# write-heavy one (Secrets Manager TagResource: every request a durable write), driven by the
# generator of bench/src (bench/run.sh's) at a fixed concurrency.
#
#   bash bench/nodes.sh            # 3 alternating rounds of 5 s per workload and deployment
#   bash bench/nodes.sh --quick    # 1 round of 2 s: checks that the harness works
#   BIN_DIR=target/debug bash bench/nodes.sh --quick   # with binaries already built
#
# Needs PostgreSQL's server binaries (initdb, pg_ctl: Debian's postgresql) and python3 with
# boto3 (else a venv with boto3 is made in the target directory). The PostgreSQL cluster is a
# throw-away one on a free port, removed at exit. On two shared cores the two nodes of pg-2
# compete with each other and with the database for the same CPUs: the numbers compare the
# deployments' costs, not a real cluster's capacity.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=5
ROUNDS=3
CONCURRENCY=${CONCURRENCY:-32}
if [ "${1:-}" = "--quick" ]; then SECONDS_EACH=2; ROUNDS=1; fi

PG_BIN=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")")
if [ ! -x "$PG_BIN/initdb" ]; then echo "PostgreSQL's initdb is not installed (apt-get install postgresql)" >&2; exit 1; fi

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if [ -n "${BIN_DIR:-}" ]; then
  BIN=$BIN_DIR  # binaries already built (e.g. a debug build, to try the harness)
else
  cargo build --release --quiet -p rampart -p rampart-bench
  BIN="$TARGET_DIR/release"
fi

PY=python3
if ! python3 -c 'import boto3' 2>/dev/null; then
  VENV="$TARGET_DIR/bench-nodes-venv"
  [ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check boto3; }
  PY="$VENV/bin/python"
fi

work=$(mktemp -d)
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true
  as_owner "$PG_BIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 400); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }

PG_PORT=$(free_port)
as_owner "$PG_BIN/initdb" -D "$work/pg" -U postgres --auth=trust --encoding=UTF8 >/dev/null
as_owner "$PG_BIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $PG_PORT -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
for db in one two; do
  as_owner "$(command -v psql || echo "$PG_BIN/psql")" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $db"
done
url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1"; }

export AWS_ACCESS_KEY_ID=AKIABENCHROOTKEY0001 AWS_SECRET_ACCESS_KEY=benchSecretKeyForTheLoadGenerator0000000
MASTER_KEY=$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
serve() { # name port [store-url]
  mkdir -p "$work/$1"
  RAMPART_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RAMPART_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    RAMPART_MASTER_KEY=$MASTER_KEY RAMPART_LOG=warn env ${3:+RAMPART_STORE=$3} \
    "$BIN/rampart" serve --listen "127.0.0.1:$2" --data-dir "$work/$1/data" >"$work/$1.log" 2>&1 &
  wait_http "http://127.0.0.1:$2/_rampart/health"
}
SQLITE=$(free_port); PG1=$(free_port); PG2A=$(free_port); PG2B=$(free_port)
serve sqlite "$SQLITE"
serve pg-1 "$PG1" "$(url one)"
serve pg-2a "$PG2A" "$(url two)"
serve pg-2b "$PG2B" "$(url two)"

# A secret and a SecureString parameter on each deployment (made through one node of pg-2).
mapfile -t SQLITE_IN < <("$PY" bench/secrets_setup.py "http://127.0.0.1:$SQLITE" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
mapfile -t PG1_IN < <("$PY" bench/secrets_setup.py "http://127.0.0.1:$PG1" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")
mapfile -t PG2_IN < <("$PY" bench/secrets_setup.py "http://127.0.0.1:$PG2A" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY")

results="$work/results.jsonl"
run() { # label targets workload secret-id parameter-name
  "$BIN/rampart-bench" load --label "$1" --target "$2" --workload "$3" \
    --secret-id "$4" --parameter-name "$5" \
    --concurrency "$CONCURRENCY" --seconds "$SECONDS_EACH" | tee -a "$results"
}
for workload in sts-get-caller-identity ssm-get-parameter secrets-tag-resource; do
  for _ in $(seq "$ROUNDS"); do
    run sqlite "127.0.0.1:$SQLITE" "$workload" "${SQLITE_IN[@]}"
    run pg-1 "127.0.0.1:$PG1" "$workload" "${PG1_IN[@]}"
    run pg-2 "127.0.0.1:$PG2A,127.0.0.1:$PG2B" "$workload" "${PG2_IN[@]}"
  done
done

python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
groups = {}
for r in runs:
    groups.setdefault((r["workload"], r["label"]), []).append(r)
# Each deployment's median round (by throughput).
by = {k: sorted(v, key=lambda r: r["rps"])[len(v) // 2] for k, v in groups.items()}
print()
print(f'{"workload":24} {"deployment":10} {"req/s":>9} {"p50 ms":>8} {"p99 ms":>8} {"errors":>7}')
for r in by.values():
    print(f'{r["workload"]:24} {r["label"]:10} {r["rps"]:9.0f} {r["p50_ms"]:8.2f} {r["p99_ms"]:8.2f} {r["errors"]:7d}')
bad = [r for r in runs if r["ok"] == 0]
if bad:
    sys.exit(f"a deployment answered nothing: {bad}")
PY
