#!/bin/bash
# libdmaheap's parsers under libFuzzer (lib/tests/fuzz-parsers.c, built by
# ./check in build/fuzz with clang): every input kept in
# lib/tests/fuzz-corpus/ (seeds and the crashes found so far) runs clean,
# then a bounded, coverage-guided run finds no crash, leak or undefined
# behaviour. DMAHEAP_FUZZ_SECONDS sets its length (default 20).
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/fuzz/lib/tests/fuzz-parsers
corpus=$top/lib/tests/fuzz-corpus
[ -x "$bin" ] || { echo "1..0 # SKIP $bin is not built (CC=clang meson setup build/fuzz -Dfuzzing=enabled; ninja -C build/fuzz lib/tests/fuzz-parsers)"; exit 0; }
echo 1..2
out=$("$bin" "$corpus"/* 2>&1); rc=$?
n=$(ls "$corpus" | wc -l)
if [ $rc = 0 ]; then echo "ok 1 - the $n inputs of lib/tests/fuzz-corpus run clean"; else
	echo "not ok 1 - an input of lib/tests/fuzz-corpus fails again:"; tail -n 30 <<<"$out" | sed 's/^/# /'; fi

seconds=${DMAHEAP_FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$top/build/fuzz/crashes"
# New coverage goes to a scratch corpus; the committed one is only read.
out=$("$bin" -max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="$top/build/fuzz/crashes/" "$work" "$corpus" 2>&1); rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$out")
added=$(sed -n 's/^stat::new_units_added: *//p' <<<"$out")
if [ $rc = 0 ]; then
	echo "ok 2 - ${seconds} s of coverage-guided fuzzing: ${runs:-?} inputs, ${added:-?} new paths, no crash, leak or undefined behaviour"
else
	echo "not ok 2 - the fuzzer found a problem; the input is in build/fuzz/crashes/: fix it, then keep it as lib/tests/fuzz-corpus/regression-NAME"
	grep -E 'ERROR|SUMMARY|runtime error|artifact' <<<"$out" | head -n 10 | sed 's/^/# /'
fi
