#!/usr/bin/env bash
# Two builds of the CLI against each other, on the same data in the same run: did a change make
# the CPU benchmarks worse? For OLD_BIN (e.g. built from the commit before the change) and
# NEW_BIN, CPU (user + system) of
#   - decode: `list --provider autocalls --page-size 100 --format ndjson` over a sandbox of
#     --size 200,000 (decode_cpu.sh's listing);
#   - redact: the same listing over --size 150,000 (redact_cpu.sh's: the redactor, the body
#     limit and the walk guard on every response), and once more with `-v` (a request log line
#     a page, its request id through the redactor);
# beside the bare reqwest -> serde_json::Value loop (tests/benches/bare_ndjson.rs, this tree's)
# as a gauge of the machine: when its median moves between runs, so did the machine's load.
# Each sandbox is NEW_BIN's `sandbox serve`, one process serving both builds. Rounds are
# interleaved and alternate which build goes first; medians of RUNS are reported, with new / old
# as the ratio of the medians and as the median of each round's own ratio (paired: steadier
# when the machine's load drifts). The two builds' listings must have the same number of
# lines; whether their bytes are the same is reported.
#
# With OLD_LISTING and NEW_LISTING set (each tree's `listing` bench executable, from
# `cargo bench --no-run -p conversations-tests --bench listing`), the SDK-overhead and
# prefetch ratios of that bench too, ROUNDS interleaved runs of each (each run's own figure is
# already a median of 7 against its own bare loop), medians.
#
# Then, where valgrind is installed, the instructions each build runs for the listing (with and
# without `-v`) and for a sync into SQLite, over 20,000 records (--size 30000): counted by
# cachegrind, they repeat to 0.01% from run to run whatever the machine's load, so they show a
# difference of a percent that the CPU times above (±5% on a shared machine) cannot.
#
# Needs GNU time (/usr/bin/time). Run from the repository root:
#   tests/benches/compare_builds.sh OLD_BIN NEW_BIN
set -euo pipefail
RUNS=${RUNS:-9}
ROUNDS=${ROUNDS:-5}
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
BIN=$new
bench_start
cargo build --quiet --release -p conversations-tests --example bare_ndjson
bare=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bare_ndjson
tmp=$TMP

# round NAME COMMAND...: one run of COMMAND for each build, the word @BIN@ in it replaced by the
# build's binary (which build goes first alternates with the run number $run), then one of the
# bare loop; old-NAME, new-NAME and bare-NAME collect the CPU seconds.
round() {
    local name=$1
    shift
    if [ $((run % 2)) -eq 0 ]; then
        one_run old "$name" "$@"
        one_run new "$name" "$@"
    else
        one_run new "$name" "$@"
        one_run old "$name" "$@"
    fi
    cpu "$tmp" "bare-$name" "$bare"
}
one_run() { # old|new NAME COMMAND...: COMMAND as that build, its CPU in old-NAME or new-NAME
    local which=$1 name=$2 bin word
    shift 2
    bin=$old
    [ "$which" = new ] && bin=$new
    local command=()
    for word in "$@"; do
        [ "$word" = @BIN@ ] && word=$bin
        command+=("$word")
    done
    cpu "$tmp" "$which-$name" "${command[@]}"
}

# paired OLD NEW: the median of each round's NEW / OLD (line by line: the two ran side by side,
# so under the same load), steadier than the ratio of the medians when the load drifts.
paired() {
    paste "$1" "$2" | awk '{ print $2 / $1 }' >"$tmp/paired"
    median_of "$tmp/paired"
}

# report NAME: the medians and new / old; fails when the builds listed different line counts.
report() {
    local name=$1 o n b same=no
    [ "$(cat "$tmp/lines-old-$name")" = "$(cat "$tmp/lines-new-$name")" ] ||
        { echo "$name: the builds listed different line counts" >&2; exit 1; }
    cmp -s "$tmp/out-old-$name" "$tmp/out-new-$name" && same=yes
    o=$(median_of "$tmp/old-$name")
    n=$(median_of "$tmp/new-$name")
    b=$(median_of "$tmp/bare-$name")
    printf '%-8s %9s lines  old %.3f s  new %.3f s  new/old %s, paired %.3f  (bare %.3f s; same bytes: %s)\n' \
        "$name" "$(cat "$tmp/lines-new-$name")" "$o" "$n" "$(echo "$n / $o" | bc -l | xargs printf '%.3f')" \
        "$(paired "$tmp/old-$name" "$tmp/new-$name")" "$b" "$same"
    printf '  runs old: %s\n  runs new: %s\n' "$(sort -n "$tmp/old-$name" | xargs)" \
        "$(sort -n "$tmp/new-$name" | xargs)"
}

list=(list --provider autocalls --page-size 100 --format ndjson)

sandbox_serve "$tmp" --size 200000
for run in $(seq 1 "$RUNS"); do
    round decode @BIN@ "${list[@]}"
done
sandbox_stop

sandbox_serve "$tmp" --size 150000
for run in $(seq 1 "$RUNS"); do
    round redact @BIN@ "${list[@]}"
    # GNU time runs no shell function: sh -c sends the log lines (stderr) away.
    round redact-v sh -c '"$0" -v "$@" 2>/dev/null' @BIN@ "${list[@]}"
done
sandbox_stop

echo "CPU (user + system), median of $RUNS interleaved runs; old: $old; new: $new"
report decode
report redact
report redact-v

if command -v valgrind >/dev/null; then
    # instructions BIN ARGS...: the instructions BIN runs with ARGS (cachegrind's `I refs`).
    instructions() {
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" \
            2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
    }
    sandbox_serve "$tmp" --size 30000
    echo "instructions (cachegrind), 20,000 Autocalls records:"
    # counted WHAT BIN: the instructions BIN runs for WHAT (list, list-v or sync).
    counted() {
        rm -f "$tmp"/c.db*
        case $1 in
            list) instructions "$2" "${list[@]}" ;;
            list-v) instructions "$2" -v "${list[@]}" ;;
            sync) instructions "$2" sync --provider autocalls --page-size 100 \
                --to "sqlite:$tmp/c.db" ;;
        esac
    }
    for what in list list-v sync; do
        o=$(counted "$what" "$old")
        n=$(counted "$what" "$new")
        printf '%-8s old %s  new %s  new/old %s\n' "$what" "$o" "$n" \
            "$(echo "$n / $o" | bc -l | xargs printf '%.4f')"
    done
    sandbox_stop
fi

if [ -n "${OLD_LISTING:-}" ] && [ -n "${NEW_LISTING:-}" ]; then
    for run in $(seq 1 "$ROUNDS"); do
        if [ $((run % 2)) -eq 0 ]; then
            "$OLD_LISTING" --bench >>"$tmp/listing-old"
            "$NEW_LISTING" --bench >>"$tmp/listing-new"
        else
            "$NEW_LISTING" --bench >>"$tmp/listing-new"
            "$OLD_LISTING" --bench >>"$tmp/listing-old"
        fi
    done
    # field WHICH KIND: the ratio each run of WHICH printed on its KIND line, one a line.
    field() { sed -n "s/^$2:.*ratio \([0-9.]*\).*/\1/p" "$tmp/listing-$1"; }
    sdk_ms() { sed -n 's/^sdk-overhead:.*AutocallsSource::list \([0-9.]*\) ms.*/\1/p' "$tmp/listing-$1"; }
    for kind in sdk-overhead prefetch; do
        field old "$kind" >"$tmp/o"
        field new "$kind" >"$tmp/n"
        o=$(median_of "$tmp/o")
        n=$(median_of "$tmp/n")
        printf 'listing bench %-13s ratio old %s  new %s  new/old %s, paired %.3f  (runs old: %s; new: %s)\n' \
            "$kind" "$o" "$n" "$(echo "$n / $o" | bc -l | xargs printf '%.3f')" \
            "$(paired "$tmp/o" "$tmp/n")" "$(xargs <"$tmp/o")" "$(xargs <"$tmp/n")"
    done
    sdk_ms old >"$tmp/o"
    sdk_ms new >"$tmp/n"
    printf 'listing bench AutocallsSource::list ms: old %s  new %s, paired new/old %.3f  (runs old: %s; new: %s)\n' \
        "$(median_of "$tmp/o")" "$(median_of "$tmp/n")" "$(paired "$tmp/o" "$tmp/n")" \
        "$(xargs <"$tmp/o")" "$(xargs <"$tmp/n")"
fi
