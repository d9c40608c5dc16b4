# shellcheck shell=bash
# TAP helpers for dmaheap's shell tests, sourced by every *.t script:
#   . "$(dirname "$0")/../tap.sh"
# Each call prints one case and counts it in $n; a failing case sets
# $failed to 1. The script prints its plan ("1..N") itself.
#   ok DESCRIPTION / not_ok DESCRIPTION
#   result STATUS DESCRIPTION    ok when STATUS is 0, else not ok
#   assert DESCRIPTION COMMAND... ok when COMMAND succeeds
#   skip DESCRIPTION REASON      a case that could not run, and why
#   skip_all REASON              the whole script cannot run: plan 1..0, exit 0
#   expect WANT PATTERN DESCRIPTION -- COMMAND...
#                                runs COMMAND: ok when it exits WANT and its
#                                output (stdout and stderr, kept in $out)
#                                matches the extended regex PATTERN (if any)
#   comment < TEXT               prints TEXT as TAP diagnostics ("# ...")
#   cases COUNT COMMAND...       runs COMMAND, a TAP program that should
#                                report COUNT cases, and counts its cases as
#                                this script's own (renumbered); missing ones
#                                fail, its other lines become diagnostics, and
#                                a non-zero exit after passing cases fails the
#                                script
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
result() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
assert() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
comment() { sed 's/^/# /'; }
cases() {
	local want=$1 line got=0 bad=0 status=0 re='^(not )?ok [0-9]+( - )?(.*)$'
	shift
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			got=$((got + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				bad=1
				not_ok "${BASH_REMATCH[3]}"
			else
				ok "${BASH_REMATCH[3]}"
			fi
		elif [[ $line =~ ^cases-exit-status\ ([0-9]+)$ ]]; then
			status=${BASH_REMATCH[1]}
		elif [[ $line != 1..* ]]; then
			echo "# $line"
		fi
	done < <("$@" 2>&1; echo "cases-exit-status $?")
	while [ "$got" -lt "$want" ]; do
		got=$((got + 1))
		bad=1
		not_ok "$1: case $got of $want was not reported"
	done
	# a failure after the last case (a sanitizer's leak report at exit)
	if [ "$status" != 0 ] && [ "$bad" = 0 ]; then
		echo "# $1 exited with status $status after its cases passed"
		failed=1
	fi
}
expect() {
	local want=$1 pattern=$2 desc=$3 rc
	shift 4
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$pattern" ] || grep -qE -- "$pattern" <<<"$out"; }; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# exit $rc (wanted $want), output:"
		sed 's/^/#   /' <<<"$out" | head -n 30
	fi
}
