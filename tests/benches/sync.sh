#!/usr/bin/env bash
# `conversations sync` throughput against `conversations list --format ndjson > file`, on one
# sandbox holding SIZE conversations (2/3 of them Autocalls: 150,000 gives 100,000), release
# build, RUNS rounds of the three side by side (medians reported); then an incremental re-run
# with nothing new, and the requests (pages) it made.
#
#   tests/benches/sync.sh            # SIZE=150000, RUNS=5, PostgreSQL from CONVERSATIONS_TEST_PG
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-150000}
PG=${CONVERSATIONS_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=bench_sync_$$

. tests/benches/lib.sh
autocalls_sandbox "$SIZE"
WORK=$TMP

# RUNS rounds, the three measured side by side in each (the machine's load moves all three
# alike); the medians are reported. Each sync starts from an empty database.
RUNS=${RUNS:-5}
pg_schemas "$SCHEMA"
PG_TO="$PG?options=-csearch_path%3D$SCHEMA"
list_t=(); sqlite_t=(); pg_t=()
for _ in $(seq "$RUNS"); do
    t=$(now)
    "$BIN" list --provider autocalls --page-size 100 --format ndjson >"$WORK/all.ndjson"
    list_t+=("$(elapsed "$t" "$(now)")")

    rm -f "$WORK"/c.db*
    t=$(now)
    "$BIN" sync --provider autocalls --page-size 100 --to "sqlite:$WORK/c.db" >"$WORK/sqlite.txt"
    sqlite_t+=("$(elapsed "$t" "$(now)")")

    psql -q "$PG" -c "DROP SCHEMA $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null
    t=$(now)
    "$BIN" sync --provider autocalls --page-size 100 --to "$PG_TO" >"$WORK/pg.txt"
    pg_t+=("$(elapsed "$t" "$(now)")")
done
list_s=$(median "${list_t[@]}")
sqlite_s=$(median "${sqlite_t[@]}")
pg_s=$(median "${pg_t[@]}")
records=$(wc -l <"$WORK/all.ndjson")

t=$(now)
"$BIN" sync --provider autocalls --page-size 100 --to "sqlite:$WORK/c.db" >"$WORK/again.txt"
again_s=$(elapsed "$t" "$(now)")
full_pages=$(sed -n 's/.* in \([0-9]*\) pages.*/\1/p' "$WORK/sqlite.txt")
again_pages=$(sed -n 's/.* in \([0-9]*\) pages.*/\1/p' "$WORK/again.txt")

echo "records: $records Autocalls conversations (sandbox --size $SIZE), pages of 100; median of $RUNS rounds"
printf 'list --format ndjson > file  %6.2f s  %7s records/s  (baseline)  [%s]\n' "$list_s" "$(per_second "$records" "$list_s")" "${list_t[*]}"
printf 'sync --to sqlite:            %6.2f s  %7s records/s  ratio %s (target >= 0.7)  [%s]\n' "$sqlite_s" "$(per_second "$records" "$sqlite_s")" "$(ratio "$list_s" "$sqlite_s")" "${sqlite_t[*]}"
printf 'sync --to postgres://        %6.2f s  %7s records/s  ratio %s (target >= 0.5)  [%s]\n' "$pg_s" "$(per_second "$records" "$pg_s")" "$(ratio "$list_s" "$pg_s")" "${pg_t[*]}"
printf 'incremental re-run, nothing new: %s requests (full walk: %s), %.2f s\n' "$again_pages" "$full_pages" "$again_s"
cat "$WORK/sqlite.txt" "$WORK/pg.txt" "$WORK/again.txt"
