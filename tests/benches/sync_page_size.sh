#!/usr/bin/env bash
# `conversations sync` of RECORDS Autocalls conversations from the sandbox into SQLite: the
# default page size (the provider's largest, 100) against `--page-size 15` (Autocalls' own
# default, what sync asked for before), the same release build side by side, RUNS rounds
# (medians): requests (the pages the summary counts) and wall time, and their ratios.
#
#   tests/benches/sync_page_size.sh          # RECORDS=200000 RUNS=3
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS=${RECORDS:-200000}
RUNS=${RUNS:-3}

. tests/benches/lib.sh
# Two thirds of the sandbox's conversations are Autocalls'.
autocalls_sandbox $((RECORDS * 3 / 2))
WORK=$TMP

# sync ARGS... -> "seconds pages", from an empty database
run() {
    rm -f "$WORK"/c.db*
    local t
    t=$(now)
    "$BIN" sync --provider autocalls --to "sqlite:$WORK/c.db" "$@" >"$WORK/out.txt" 2>&1
    local s
    s=$(echo "$(now) - $t" | bc -l)
    local pages
    pages=$(sed -n 's/.* in \([0-9]*\) pages.*/\1/p' "$WORK/out.txt" | head -1)
    [ -n "$pages" ] || { cat "$WORK/out.txt"; exit 1; }
    echo "$s $pages"
}

old_t=(); new_t=()
for _ in $(seq "$RUNS"); do
    read -r s old_pages < <(run --page-size 15)
    old_t+=("$s")
    read -r s new_pages < <(run)
    new_t+=("$s")
done
old_s=$(median "${old_t[@]}")
new_s=$(median "${new_t[@]}")
echo "sync of $RECORDS Autocalls records into SQLite, median of $RUNS rounds"
printf -- '--page-size 15 (before)   %6d requests  %6.2f s  (baseline)  [%s]\n' \
    "$old_pages" "$old_s" "${old_t[*]}"
printf -- 'default (largest, 100)    %6d requests  %6.2f s  [%s]\n' \
    "$new_pages" "$new_s" "${new_t[*]}"
printf 'ratios: requests %.3f, wall time %.2f (%.2fx faster)\n' \
    "$(echo "$new_pages / $old_pages" | bc -l)" "$(echo "$new_s / $old_s" | bc -l)" \
    "$(echo "$old_s / $new_s" | bc -l)"
