#!/usr/bin/env bash
# The Singer tap against `conversations list --format ndjson > file`, on one sandbox holding
# SIZE conversations (2/3 of them Autocalls: 150,000 gives 100,000), release build:
#   - `tap-conversations` alone, its messages to /dev/null;
#   - `meltano run tap-conversations target-jsonl` (the project of the connector tests,
#     tests/connectors/setup.sh), a fresh state each run;
#   - the baseline, `list --provider autocalls --page-size 100 --format ndjson`.
# One run each by default (RUNS=, medians reported); records per second and ratios.
#
#   tests/benches/connectors.sh            # SIZE=150000, RUNS=1
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-150000}
RUNS=${RUNS:-1}

. tests/benches/lib.sh

autocalls_sandbox "$SIZE"
WORK=$TMP
BIN_DIR=$(dirname "$BIN")
VENVS=$(bash tests/connectors/setup.sh)
# A build without the tap's own binary: `conversations tap` under its name.
if [ ! -x "$BIN_DIR/tap-conversations" ]; then
    BIN_DIR=$WORK/bin
    mkdir -p "$BIN_DIR"
    printf '#!/bin/sh\nexec %q tap "$@"\n' "$BIN" >"$BIN_DIR/tap-conversations"
    chmod +x "$BIN_DIR/tap-conversations"
fi
cat >"$WORK/config.json" <<JSON
{"providers": ["autocalls"], "page_size": 100}
JSON

list_t=(); tap_t=(); meltano_t=()
for round in $(seq "$RUNS"); do
    t=$(now)
    "$BIN" list --provider autocalls --page-size 100 --format ndjson >"$WORK/all.ndjson"
    list_t+=("$(elapsed "$t" "$(now)")")

    t=$(now)
    "$BIN_DIR/tap-conversations" --config "$WORK/config.json" >/dev/null 2>"$WORK/tap.log"
    tap_t+=("$(elapsed "$t" "$(now)")")

    rm -rf "$WORK/out"; mkdir "$WORK/out"
    t=$(now)
    (cd "$VENVS/meltano-project" &&
        PATH="$BIN_DIR:$PATH" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
        TAP_CONVERSATIONS_PROVIDERS='["autocalls"]' TAP_CONVERSATIONS_PAGE_SIZE=100 \
        TARGET_JSONL_DESTINATION_PATH="$WORK/out" \
        "$VENVS/meltano/bin/meltano" run --full-refresh --state-id-suffix "bench-$$-$round" \
        tap-conversations target-jsonl >"$WORK/meltano.log" 2>&1) || { tail -20 "$WORK/meltano.log"; exit 1; }
    meltano_t+=("$(elapsed "$t" "$(now)")")
done
records=$(wc -l <"$WORK/all.ndjson")
loaded=$(wc -l <"$WORK/out/autocalls.jsonl")
list_s=$(median "${list_t[@]}")
tap_s=$(median "${tap_t[@]}")
meltano_s=$(median "${meltano_t[@]}")

rate() { echo "$records / $1" | bc -l | xargs printf '%.0f'; }
ratio() { echo "$list_s / $1" | bc -l | xargs printf '%.2f'; }
echo "records: $records Autocalls conversations (sandbox --size $SIZE), pages of 100; median of $RUNS run(s)"
printf 'list --format ndjson > file           %6.2f s  %7s records/s  (baseline)  [%s]\n' "$list_s" "$(rate "$list_s")" "${list_t[*]}"
printf 'tap-conversations > /dev/null         %6.2f s  %7s records/s  ratio %s  [%s]\n' "$tap_s" "$(rate "$tap_s")" "$(ratio "$tap_s")" "${tap_t[*]}"
printf 'meltano run tap → target-jsonl        %6.2f s  %7s records/s  ratio %s  (%s records loaded)  [%s]\n' "$meltano_s" "$(rate "$meltano_s")" "$(ratio "$meltano_s")" "$loaded" "${meltano_t[*]}"
