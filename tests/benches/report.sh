#!/usr/bin/env bash
# `conversations report cost --per day --by assistant` over ROWS synced conversations, SQLite
# and PostgreSQL, against the same aggregate query run by itself (SQLite: the
# `aggregate_query` example, which opens the file as the report does and runs the query;
# PostgreSQL: psql running the query the report prints), release build, medians of RUNS
# rounds run side by side; peak memory (max RSS) of each.
#
#   tests/benches/report.sh          # ROWS=1000000, RUNS=5, PostgreSQL from CONVERSATIONS_TEST_PG
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
PG=${CONVERSATIONS_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
SCHEMA=bench_report_$$
# Two thirds of the sandbox's conversations are Autocalls'.
SIZE=$((ROWS * 3 / 2))

. tests/benches/lib.sh

cargo build --quiet --release -p conversations-report --example aggregate_query
QUERY=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/aggregate_query
autocalls_sandbox "$SIZE"
WORK=$TMP

pg_schemas "$SCHEMA"
PG_TO="$PG?options=-csearch_path%3D$SCHEMA"
"$BIN" sync --provider autocalls --page-size 100 --to "sqlite:$WORK/c.db" | tail -1
"$BIN" sync --provider autocalls --page-size 100 --to "$PG_TO" | tail -1
echo "rows: sqlite $(sqlite3 "$WORK/c.db" 'SELECT count(*) FROM conversations'), postgres $(psql -tA "$PG_TO" -c 'SELECT count(*) FROM conversations')"

# PostgreSQL's query as the report runs it: prepared, then executed with its parameters.
mapfile -t lines < <("$QUERY" --print-sql "$PG_TO" cost)
params=$(printf "'%s'," "${lines[@]:1}")
types=$(printf 'text,%.0s' "${lines[@]:1}")
printf 'PREPARE report(%s) AS %s;\nEXECUTE report(%s);\n' "${types%,}" "${lines[0]}" "${params%,}" >"$WORK/pg.sql"

# Seconds and max RSS (KiB) of one command.
measure() { /usr/bin/time -f '%e %M' -o "$WORK/t" "$@" >/dev/null 2>&1; cat "$WORK/t"; }
q_lite=(); r_lite=(); q_pg=(); r_pg=(); m_q_lite=(); m_r_lite=(); m_q_pg=(); m_r_pg=()
for _ in $(seq "$RUNS"); do
    read -r t m < <(measure "$QUERY" "sqlite:$WORK/c.db" cost); q_lite+=("$t"); m_q_lite+=("$m")
    read -r t m < <(measure "$BIN" report cost --per day --by assistant --from "sqlite:$WORK/c.db"); r_lite+=("$t"); m_r_lite+=("$m")
    read -r t m < <(measure psql -q "$PG_TO" -f "$WORK/pg.sql"); q_pg+=("$t"); m_q_pg+=("$m")
    read -r t m < <(measure "$BIN" report cost --per day --by assistant --from "$PG_TO"); r_pg+=("$t"); m_r_pg+=("$m")
done
row() { # name query-times report-times query-rss report-rss
    printf '| %s | %s s | %s s | **%.2f** | %s MiB | %s MiB |\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)" "$(( $4 / 1024 ))" "$(( $5 / 1024 ))"
}
echo "| database | query alone | report | report ÷ query | query max RSS | report max RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
row SQLite "$(median "${q_lite[@]}")" "$(median "${r_lite[@]}")" "$(median "${m_q_lite[@]}")" "$(median "${m_r_lite[@]}")"
row PostgreSQL "$(median "${q_pg[@]}")" "$(median "${r_pg[@]}")" "$(median "${m_q_pg[@]}")" "$(median "${m_r_pg[@]}")"
echo "(PostgreSQL's max RSS is psql's or the report's own, not the server's)"
