#!/usr/bin/env bash
# What the redactor, the body limit and the walk guard cost: CPU (user + system) of
# `conversations list --provider autocalls --format ndjson` over every Autocalls record of one
# sandbox (150,000 conversations: 100,000 Autocalls), for this tree's build and for an earlier
# build (BEFORE, e.g. one built from the commit before the change), beside the bare reqwest ->
# serde_json::Value loop (tests/benches/bare_ndjson.rs) on the same data in the same run.
# Runs are interleaved; medians of RUNS are reported. Needs GNU time (/usr/bin/time).
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release -p conversations-cli)
#   BEFORE=/tmp/before/target/release/conversations tests/benches/redact_cpu.sh
set -euo pipefail
RUNS=${RUNS:-9}
SIZE=${SIZE:-150000}
: "${BEFORE:?set BEFORE to the conversations binary to compare with}"
. "$(dirname "$0")/lib.sh"
bench_start
cargo build --quiet --release -p conversations-tests --example bare_ndjson
after=$BIN
bare=target/release/examples/bare_ndjson
tmp=$TMP

sandbox_serve "$tmp" --size "$SIZE"

for _ in $(seq 1 "$RUNS"); do
    cpu "$tmp" after "$after" list --provider autocalls --page-size 100 --format ndjson
    cpu "$tmp" before "$BEFORE" list --provider autocalls --page-size 100 --format ndjson
    cpu "$tmp" bare "$bare"
done
records=$(cat "$tmp/lines-after")
[ "$records" = "$(cat "$tmp/lines-before")" ] && [ "$records" = "$(cat "$tmp/lines-bare")" ]
python3 - "$records" "$(median_of "$tmp/after")" "$(median_of "$tmp/before")" "$(median_of "$tmp/bare")" <<'PY'
import sys
n, after, before, bare = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"CPU over {n:,} Autocalls records, median of runs:")
print(f"  bare reqwest -> Value -> JSON lines  {bare:.3f} s")
print(f"  list --format ndjson, before         {before:.3f} s   {before / bare:.2f}x bare")
print(f"  list --format ndjson, after          {after:.3f} s   {after / bare:.2f}x bare")
print(f"  after / before                       {after / before:.3f}")
PY
