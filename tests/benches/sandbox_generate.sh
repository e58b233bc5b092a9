#!/usr/bin/env bash
# What generating the sandbox's data set costs: CPU (user + system) of
# `measure gen SIZE` (crates/conversations-sandbox/examples/measure.rs: one Dataset::generate)
# for this tree's build and for an earlier build (BEFORE, e.g. one built from the commit before
# a change), runs interleaved, medians of RUNS; prints both and the ratio. Needs GNU time.
#
#   git worktree add /tmp/before <commit>
#   (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release -p conversations-sandbox --example measure)
#   BEFORE=/tmp/before-target/release/examples/measure tests/benches/sandbox_generate.sh
set -euo pipefail
RUNS=${RUNS:-9}
SIZE=${SIZE:-1000000}
: "${BEFORE:?set BEFORE to the measure example binary to compare with}"
cargo build --quiet --release -p conversations-sandbox --example measure
after=target/release/examples/measure
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cpu() { # name command...
    local name=$1; shift
    /usr/bin/time -f '%U %S' -o "$tmp/t" "$@" > "$tmp/out-$name"
    awk '{ print $1 + $2 }' "$tmp/t" >> "$tmp/$name"
}
median() { sort -n "$tmp/$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for _ in $(seq 1 "$RUNS"); do
    cpu before "$BEFORE" gen "$SIZE"
    cpu after "$after" gen "$SIZE"
done
before=$(median before)
after_s=$(median after)
echo "generate $SIZE records, CPU median of $RUNS:"
echo "  before: ${before} s   ($(cut -d';' -f1 "$tmp/out-before"))"
echo "  after:  ${after_s} s   ($(cut -d';' -f1 "$tmp/out-after"))"
awk -v a="$after_s" -v b="$before" 'BEGIN { printf "  after / before: %.3f\n", a / b }'
