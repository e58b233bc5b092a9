#!/usr/bin/env bash
# Two builds' `conversations sync` against each other, on one sandbox in one run: did a change
# make the sync slower? For OLD_BIN (e.g. built from the commit before the change) and NEW_BIN,
# the wall time of a full sync of 100,000 Autocalls conversations (sandbox --size 150000, pages
# of 100) into an empty SQLite database and an empty PostgreSQL schema, RUNS interleaved
# rounds (which build goes first alternates), medians and new / old; each round also times
# NEW_BIN's `list --format ndjson > file` as a gauge of the machine's load.
#
#   tests/benches/sync_builds.sh OLD_BIN NEW_BIN   # RUNS=9, PostgreSQL from CONVERSATIONS_TEST_PG
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-9}
PG=${CONVERSATIONS_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=bench_builds_$$
. tests/benches/lib.sh
BIN=$new
bench_start
bench_cleanup() { psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true; }
sandbox_serve "$TMP" --size 150000
unset ASAPP_API_ID ASAPP_API_SECRET
PG_TO="$PG?options=-csearch_path%3D$SCHEMA"

# timed FILE COMMAND...: appends COMMAND's wall time (s) to FILE.
timed() {
    local file=$1 t
    shift
    t=$(now)
    "$@" >/dev/null
    elapsed "$t" "$(now)" >>"$file"
}
# one_build BIN NAME: a sync of each kind by BIN, each into an empty database.
one_build() {
    rm -f "$TMP"/c.db*
    timed "$TMP/sqlite-$2" "$1" sync --provider autocalls --page-size 100 --to "sqlite:$TMP/c.db"
    psql -q "$PG" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE; CREATE SCHEMA $SCHEMA" >/dev/null 2>&1
    timed "$TMP/pg-$2" "$1" sync --provider autocalls --page-size 100 --to "$PG_TO"
}
for run in $(seq 1 "$RUNS"); do
    timed "$TMP/list" sh -c '"$0" list --provider autocalls --page-size 100 --format ndjson >/dev/null' "$new"
    if [ $((run % 2)) -eq 0 ]; then one_build "$old" old; one_build "$new" new
    else one_build "$new" new; one_build "$old" old; fi
done
echo "wall time, median of $RUNS interleaved rounds; old: $old; new: $new"
printf 'list (gauge)  %.3f s\n' "$(median_of "$TMP/list")"
for kind in sqlite pg; do
    o=$(median_of "$TMP/$kind-old")
    n=$(median_of "$TMP/$kind-new")
    printf '%-6s old %.3f s  new %.3f s  new/old %.3f\n' "$kind" "$o" "$n" "$(echo "$n / $o" | bc -l)"
    printf '  runs old: %s\n  runs new: %s\n' "$(sort -n "$TMP/$kind-old" | xargs)" "$(sort -n "$TMP/$kind-new" | xargs)"
done
