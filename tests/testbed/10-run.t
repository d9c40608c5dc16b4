#!/bin/bash
# The test bed itself: tests/vm/run passes COMMAND's exit status through,
# fails on a kernel crash with a clear message, and build/ is writable from
# the guest, on the test and stock kernels; on Debian 13's and the mainline
# kernel one boot each checks the status and build/. Each case boots a guest.
top=$(cd "$(dirname "$0")/../.." && pwd)
run=$top/tests/vm/run
n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
echo "1..17"
"$run" >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run without a command exits 2 (got $rc)"
"$run" --frobnicate -- true >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown option (got $rc)"
"$run" --kernel=nonesuch -- true >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown kernel (got $rc)"
for k in test stock; do
	stamp=$top/build/testbed-$k-$$
	rm -f "$stamp"
	"$run" --kernel=$k --timeout=300 --mem=512M -- sh -c "echo written-in-guest > $stamp"; rc=$?
	check $rc "$k kernel: 'true' exits 0 (got $rc)"
	check $([ "$(cat "$stamp" 2>/dev/null)" = written-in-guest ] && echo 0 || echo 1) \
		"$k kernel: a file written under build/ in the guest is on the host"
	rm -f "$stamp"
	"$run" --kernel=$k --timeout=300 --mem=512M -- false 2>/dev/null; rc=$?
	check $([ $rc != 0 ] && echo 0 || echo 1) "$k kernel: 'false' exits non-zero (got $rc)"
	msg=$("$run" --kernel=$k --timeout=300 --mem=512M -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1); rc=$?
	check $([ $rc != 0 ] && echo 0 || echo 1) "$k kernel: a kernel crash exits non-zero (got $rc)"
	echo "$msg" | sed 's/^/# /'
	check $(grep -q 'crashed.*Kernel panic\|Kernel panic' <<<"$msg" && grep -q 'console log:' <<<"$msg" && echo 0 || echo 1) \
		"$k kernel: the crash message names the panic and the log"
done
# The kernels with built-in heaps: one boot each, status and build/ together.
for k in trixie mainline; do
	stamp=$top/build/testbed-$k-$$
	rm -f "$stamp"
	"$run" --kernel=$k --timeout=300 --mem=512M -- sh -c "uname -r > $stamp; exit 3" 2>/dev/null; rc=$?
	check $([ $rc = 3 ] && echo 0 || echo 1) "$k kernel: the command's status 3 comes through (got $rc)"
	check $([ -s "$stamp" ] && echo 0 || echo 1) \
		"$k kernel: a file written under build/ in the guest is on the host ($(cat "$stamp" 2>/dev/null))"
	rm -f "$stamp"
done
