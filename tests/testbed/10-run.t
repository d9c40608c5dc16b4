#!/bin/bash
# The test bed itself: testbed/vm/run passes COMMAND's exit status through and
# build/ is writable from the guest, and a kernel crash fails the run with a
# clear message. The arm64 guest (--arch=arm64) keeps the same contract.
top=$(cd "$(dirname "$0")/../.." && pwd)
run=$top/testbed/vm/run
. "$top/tests/tap.sh"
echo "1..15"
"$run" >/dev/null 2>&1; rc=$?
result $([ $rc = 2 ] && echo 0 || echo 1) "run without a command exits 2 (got $rc)"
"$run" --frobnicate -- true >/dev/null 2>&1; rc=$?
result $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown option (got $rc)"
"$run" --kernel=nonesuch -- true >/dev/null 2>&1; rc=$?
result $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown kernel (got $rc)"
"$run" --arch=sparc -- true >/dev/null 2>&1; rc=$?
result $([ $rc = 2 ] && echo 0 || echo 1) "run refuses an unknown architecture (got $rc)"
msg=$("$run" --arch=arm64 --kernel=stock -- true 2>&1); rc=$?
result $([ $rc = 2 ] && grep -q "arm64 has: test" <<<"$msg" && echo 0 || echo 1) \
	"run refuses a kernel arm64 does not have, naming those it has (got $rc)"
# One boot per kind of kernel checks the status and build/ together: a kernel
# built here (test) and a Debian package (stock, with its own module tree in
# the initramfs); the trixie and mainline kernels run the same runner code
# as these and prove they boot with ./check's guest suites. The crash case
# boots the stock kernel (the quickest) once more: the console-log checks
# that catch it are the same for every kernel.
for k in test stock; do
	stamp=$top/build/testbed-$k-$$
	rm -f "$stamp"
	"$run" --kernel=$k --timeout=300 --mem=512M -- sh -c "uname -r > $stamp; exit 3" 2>/dev/null; rc=$?
	result $([ $rc = 3 ] && echo 0 || echo 1) "$k kernel: the command's status 3 comes through (got $rc)"
	result $([ -s "$stamp" ] && echo 0 || echo 1) \
		"$k kernel: a file written under build/ in the guest is on the host ($(cat "$stamp" 2>/dev/null))"
	rm -f "$stamp"
done
# arm64: the guest runs arm64 programs (its root is Debian's arm64 packages),
# the status comes through and build/ is shared the same way.
stamp=$top/build/testbed-arm64-$$
rm -f "$stamp"
"$run" --arch=arm64 --timeout=600 --mem=1G -- sh -c "uname -m > $stamp; exit 3" 2>/dev/null; rc=$?
result $([ $rc = 3 ] && echo 0 || echo 1) "arm64 test kernel: the command's status 3 comes through (got $rc)"
result $([ "$(cat "$stamp" 2>/dev/null)" = aarch64 ] && echo 0 || echo 1) \
	"arm64 test kernel: the guest is aarch64 and its file under build/ is on the host ($(cat "$stamp" 2>/dev/null))"
rm -f "$stamp"
# A kernel crash on arm64 reaches the console log (the PL011 UART) and fails the run.
msg=$("$run" --arch=arm64 --timeout=600 --mem=1G -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1); rc=$?
result $([ $rc != 0 ] && grep -q 'Kernel panic' <<<"$msg" && echo 0 || echo 1) \
	"arm64 test kernel: a kernel crash exits non-zero and the message names the panic (got $rc)"
# A program of the wrong architecture is named as such, not "exec format error".
msg=$("$run" --arch=arm64 -- "$top/build/tools/dmaheap" --help 2>&1); rc=$?
result $([ $rc != 0 ] && grep -q "is an x86-64 program" <<<"$msg" && echo 0 || echo 1) \
	"arm64 guest: an x86-64 program as the command is refused with a message naming its architecture (got $rc)"
k=stock
msg=$("$run" --kernel=$k --timeout=300 --mem=512M -- sh -c 'echo c > /proc/sysrq-trigger' 2>&1); rc=$?
result $([ $rc != 0 ] && echo 0 || echo 1) "$k kernel: a kernel crash exits non-zero (got $rc)"
echo "$msg" | sed 's/^/# /'
result $(grep -q 'crashed.*Kernel panic\|Kernel panic' <<<"$msg" && grep -q 'console log:' <<<"$msg" && echo 0 || echo 1) \
	"$k kernel: the crash message names the panic and the log"
