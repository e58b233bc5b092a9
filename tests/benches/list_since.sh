#!/usr/bin/env bash
# Requests made by `conversations list --since` against a full walk, over the sandbox's
# RECORDS conversations (two thirds of them Autocalls', newest first, one every ~20 minutes,
# the newest at 2025-06-30T17:45:12Z). The sandbox's data stops in June 2025, so "the last 7
# days" is asked as the date 7 days before its newest record; `--since 7d` (from today) is run
# too: it stops on the first page. Requests are counted from the -v request log.
#
#   tests/benches/list_since.sh            # RECORDS=1000000
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/benches/lib.sh
RECORDS=${RECORDS:-1000000}
autocalls_sandbox "$RECORDS"

# walk NAME ARGS... -> "records requests"
walk() {
    local name=$1
    shift
    "$BIN" -v list --provider autocalls --format ndjson --page-size 100 "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err"
    echo "$(wc -l <"$TMP/$name.out") $(grep -c 'status=200' "$TMP/$name.err")"
}
read -r full_records full_requests < <(walk full)
read -r week_records week_requests < <(walk week --since 2025-06-23T17:45:12Z)
read -r today_records today_requests < <(walk today --since 7d)
printf '| listing | records | requests | requests vs full walk |\n| --- | ---: | ---: | ---: |\n'
printf '| full walk | %s | %s | 1 |\n' "$full_records" "$full_requests"
printf '| --since 2025-06-23T17:45:12Z (the data'"'"'s last 7 days) | %s | %s | %s |\n' \
    "$week_records" "$week_requests" "$(echo "scale=5; $week_requests / $full_requests" | bc -l)"
printf '| --since 7d (from today) | %s | %s | %s |\n' \
    "$today_records" "$today_requests" "$(echo "scale=5; $today_requests / $full_requests" | bc -l)"
