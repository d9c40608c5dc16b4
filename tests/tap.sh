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
