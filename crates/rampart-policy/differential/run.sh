#!/bin/sh
# Differential test of rampart-policy against @cloud-copilot/iam-simulate (run as a separate
# node process; AGPL, never vendored or linked). Usage: run.sh [CASES] [SEED]
#   CI:        crates/rampart-policy/differential/run.sh 2000
#   long run:  crates/rampart-policy/differential/run.sh 100000 7
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cases=${1:-2000}
seed=${2:-1}
if [ ! -d "$here/node_modules/@cloud-copilot/iam-simulate" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
cd "$here/../../.."
exec cargo run --quiet -p rampart-policy --example differential -- --cases "$cases" --seed "$seed" --oracle-dir "$here"
