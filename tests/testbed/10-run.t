#!/bin/bash
# The test bed itself: tests/vm/run passes COMMAND's exit status through and
# build/ is writable from the guest, on every kernel, and a kernel crash
# fails the run with a clear message (test and stock kernels).
top=$(cd "$(dirname "$0")/../.." && pwd)
run=$top/tests/vm/run
n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
echo "1..15"
"$run" >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run without a command exits 2 (got $rc)"
"$run" --frobnicate -- true >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown option (got $rc)"
"$run" --kernel=nonesuch -- true >/dev/null 2>&1; rc=$?
check $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown kernel (got $rc)"
# One boot per kernel checks the status and build/ together; the crash case
# boots the test and stock kernels once more (the other two share their
# runner code: only the kernel and its module tree differ).
for k in test stock trixie mainline; do
	stamp=$top/build/testbed-$k-$$
	rm -f "$stamp"
	"$run" --kernel=$k --timeout=300 --mem=512M -- sh -c "uname -r > $stamp; exit 3" 2>/dev/null; rc=$?
	check $([ $rc = 3 ] && echo 0 || echo 1) "$k kernel: the command's status 3 comes through (got $rc)"
	check $([ -s "$stamp" ] && echo 0 || echo 1) \
		"$k kernel: a file written under build/ in the guest is on the host ($(cat "$stamp" 2>/dev/null))"
	rm -f "$stamp"
	case $k in test | stock) ;; *) continue ;; esac
	msg=$("$run" --kernel=$k --timeout=300 --mem=512M -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1); rc=$?
	check $([ $rc != 0 ] && echo 0 || echo 1) "$k kernel: a kernel crash exits non-zero (got $rc)"
	echo "$msg" | sed 's/^/# /'
	check $(grep -q 'crashed.*Kernel panic\|Kernel panic' <<<"$msg" && grep -q 'console log:' <<<"$msg" && echo 0 || echo 1) \
		"$k kernel: the crash message names the panic and the log"
done
