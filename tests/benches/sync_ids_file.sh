#!/usr/bin/env bash
# `sync --external-ids-from` reads its ids as a stream, twice (issue 20): peak memory and wall
# time of a sync into SQLite, against the sandbox (a separate process), over a 50 MB ids file
# against the same sync over a 0.5 MB one (the baseline, measured here), every line a repeat
# of one id (one lookup; the rest is reading, dedup and hashing, both passes). The build
# before this read the whole file into a String and every distinct id into a HashSet and a
# joined String: memory grew with the file.
# Also the same 50 MB file from stdin (`-`: copied to a temporary file first).
# Needs GNU time. Run from the repository root: tests/benches/sync_ids_file.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_start
bin=$BIN tmp=$TMP

lead=crm-lead-12301   # one ASAPP conversation in the default sandbox
make_repeats() { # bytes file
    { printf '\xef\xbb\xbf'; yes "$lead" || true; } | head -c "$1" > "$2"   # yes ends on SIGPIPE
}
make_repeats 500000 "$tmp/repeats-small"
make_repeats 50000000 "$tmp/repeats-large"

sandbox_serve "$tmp"

measure() { # name command... -> "seconds KiB" in $tmp/m-name
    /usr/bin/time -f '%e %M' -o "$tmp/m-$1" "${@:2}" > "$tmp/m-$1.out" 2> "$tmp/m-$1.err"
}
sync=("$bin" sync --provider asapp --external-ids-from)
measure small "${sync[@]}" "$tmp/repeats-small" --to "sqlite:$tmp/small.db"
measure large "${sync[@]}" "$tmp/repeats-large" --to "sqlite:$tmp/large.db"
measure stdin "${sync[@]}" - --to "sqlite:$tmp/stdin.db" < "$tmp/repeats-large"

python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
def read(name):
    seconds, kib = open(f"{tmp}/m-{name}").read().split()[-2:]
    out = open(f"{tmp}/m-{name}.out").read()
    assert "1 inserted" in out, f"{name}: {out} {open(f'{tmp}/m-{name}.err').read()[:500]}"
    return float(seconds), int(kib)
s0, k0 = read("small")
for what, name in [("50 MB file", "large"), ("50 MB on stdin", "stdin")]:
    s, k = read(name)
    print(f"sync, one id repeated: 0.5 MB file -> {what}: {s0:.2f} s -> {s:.2f} s "
          f"({s / max(s0, 0.01):.2f}x), peak {k0 / 1024:.1f} MiB -> {k / 1024:.1f} MiB ({k / k0:.2f}x)")
PY
