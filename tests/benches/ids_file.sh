#!/usr/bin/env bash
# Ids files read as a stream (issue 20): `list --external-ids-from` over a 500 MB ids file
# against the sandbox (a separate process), each figure against the same run over a 5 MB file
# (the baseline, measured here; the build before the stream read the whole file first:
# 2.6 GB and 20 s before the first request):
#   1. to the first record: the first id has a conversation, --limit 1 ends the run there:
#      wall time and peak memory.
#   2. the whole file, every line a repeat of one id (one lookup, the rest skipped by the
#      bounded dedup): wall time and peak memory.
#   3. 20 s of distinct ids, 1,000 lookups a second, then Ctrl-C: peak memory (the reading
#      thread stays a bounded queue ahead of the lookups).
# Needs GNU time. Run from the repository root: tests/benches/ids_file.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_start
bin=$BIN tmp=$TMP

lead=crm-lead-12301   # one ASAPP conversation in the default sandbox
make_distinct() { # bytes file: the lead, then distinct ids (21 bytes a line) up to ~bytes
    { echo "$lead"; seq -f 'crm-bench-%010.0f' 1 $(($1 / 21)); } > "$2"
}
make_repeats() { # bytes file
    { yes "$lead" || true; } | head -c "$1" > "$2"   # yes ends on SIGPIPE
}
make_distinct 500000000 "$tmp/distinct-500M"
make_distinct 5000000 "$tmp/distinct-5M"
make_repeats 500000000 "$tmp/repeats-500M"
make_repeats 5000000 "$tmp/repeats-5M"

sandbox_serve "$tmp"

measure() { # name command... -> "seconds KiB" in $tmp/m-name, the records' count in $tmp/m-name.n
    /usr/bin/time -f '%e %M' -o "$tmp/m-$1" "${@:2}" 2> "$tmp/m-$1.err" | wc -l > "$tmp/m-$1.n" || true
}
list=("$bin" list --provider asapp --format ndjson --rate 1000 --external-ids-from)
for size in 5M 500M; do
    measure "first-$size" "${list[@]}" "$tmp/distinct-$size" --limit 1
    measure "repeats-$size" "${list[@]}" "$tmp/repeats-$size"
    measure "stream-$size" timeout -s INT 20 "${list[@]}" "$tmp/distinct-$size"
done

python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
def read(name):
    seconds, kib = open(f"{tmp}/m-{name}").read().split()[-2:]
    records = int(open(f"{tmp}/m-{name}.n").read())
    assert records >= 1, f"{name}: no record; stderr: {open(f'{tmp}/m-{name}.err').read()[:500]}"
    return float(seconds), int(kib)
def line(what, name, time=True):
    (s1, k1), (s2, k2) = read(f"{name}-5M"), read(f"{name}-500M")
    t = f"{s1:.2f} s -> {s2:.2f} s ({s2 / max(s1, 0.01):.2f}x), " if time else ""
    print(f"{what}: 5 MB file -> 500 MB file: {t}peak {k1 / 1024:.1f} MiB -> {k2 / 1024:.1f} MiB ({k2 / k1:.2f}x)")
line("to the first record (--limit 1)", "first")
line("whole file of one repeated id", "repeats")
line("20 s of distinct ids (Ctrl-C)", "stream", time=False)
PY
