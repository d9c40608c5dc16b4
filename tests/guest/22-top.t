#!/bin/bash
# dmaheap top, against buffers whose holders and sizes are known: a process
# holding 1 MiB and 2 MiB buffers by fd and a 4 MiB one only through a
# mapping, a child sharing the 1 MiB one (its share is split in two), the
# 2 MiB one imported into vgem (an attachment), and a GStreamer pipeline
# running on dmaheappool meanwhile. Checked in --json, in --once, and on
# screen in a real terminal (tmux): the rows, a sort key, and q quitting.
set -uo pipefail
top=${DMAHEAP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DMAHEAP_BUILD:-$top/build}
tool=$build/tools/dmaheap
. "$(dirname "$0")/../tap.sh"

heap=$(cat /sys/module/dmaheap_system/parameters/name 2>/dev/null || echo system)
[ -c "/dev/dma_heap/$heap" ] || { echo "1..0 # SKIP no /dev/dma_heap/$heap"; exit 0; }
echo 1..10
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null

# The holder: prints "ready PID CHILD" once everything is in place.
exec 8< <(/usr/bin/python3 - "$heap" <<'PY'
import ctypes, fcntl, glob, os, struct, sys, time
heap = os.open("/dev/dma_heap/" + sys.argv[1], os.O_RDWR)
def alloc(size):
    arg = bytearray(struct.pack("QIIQ", size, 0, os.O_RDWR, 0))
    fcntl.ioctl(heap, 0xC0184800, arg)
    return struct.unpack("QIIQ", arg)[1]
one, two, four = alloc(1 << 20), alloc(2 << 20), alloc(4 << 20)
os.close(heap)
# libc's mmap: Python's mmap module would keep a dup of the fd
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
m = libc.mmap(None, 4 << 20, 3, 1, four, 0)   # PROT_READ|PROT_WRITE, MAP_SHARED
assert m not in (None, ctypes.c_void_p(-1).value)
os.close(four)                       # held through the mapping only
# the 2 MiB buffer into vgem: a PRIME import keeps an attachment
vgem = None
for card in sorted(glob.glob("/sys/class/drm/card*/device")):
    if os.path.basename(os.path.realpath(card)) == "vgem":
        vgem = os.open("/dev/dri/" + card.split("/")[4], os.O_RDWR)
        arg = bytearray(struct.pack("IIi", 0, 0, two))
        fcntl.ioctl(vgem, 0xC00C642E, arg)   # DRM_IOCTL_PRIME_FD_TO_HANDLE
r, w = os.pipe()
child = os.fork()
if child == 0:
    os.close(two)
    libc.munmap(m, 4 << 20)          # it keeps only the 1 MiB buffer
    os.write(w, b"x")
    time.sleep(3600)
    os._exit(0)
os.read(r, 1)
print("ready", os.getpid(), child, "vgem" if vgem else "-", flush=True)
time.sleep(3600)
PY
)
holder=$!
read -r -u 8 ready parent child vgem
if [ "$ready" != ready ]; then
	for i in $(seq 10); do result 1 "the holder process did not start"; done
	exit 0
fi

# A pipeline on dmaheappool meanwhile, where GStreamer and the plugin are.
gst=""
if command -v gst-launch-1.0 >/dev/null && [ -f "$build/gst-plugin/libgstdmaheap.so" ]; then
	export GST_PLUGIN_PATH=$build/gst-plugin
	export GST_REGISTRY=${XDG_RUNTIME_DIR:-/tmp}/gst-registry.bin
	. "$(dirname "$0")/gst-registry.sh"
	gst_registry_seed "$GST_REGISTRY" plugin
	gst-launch-1.0 -q videotestsrc is-live=true ! video/x-raw,format=BGRx,width=320,height=240 ! \
		dmaheappool heap="$heap" ! fakesink sync=true >/dev/null 2>&1 &
	gst=$!
fi
cleanup() {
	kill "$holder" "$child" ${gst:+"$gst"} 2>/dev/null
	wait 2>/dev/null
	tmux kill-server 2>/dev/null
}
trap cleanup EXIT

json=$("$tool" top --json 2>&1)
q() { /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); $1" <<<"$json" 2>/dev/null; }
MiB=1048576
got=$(q "p=[p for p in d['processes'] if p['pid']==$parent][0]; print(p['buffers'], p['fds'], p['mappings'], p['held_bytes'], p['share_bytes'])")
result "$([ "$got" = "3 2 1 $((7 * MiB)) $((13 * MiB / 2))" ] && echo 0 || echo 1)" \
	"the holder: 3 buffers, 2 fds, 1 mapping, 7 MiB held, 6.5 MiB its share (the 1 MiB one is shared) (got: $got)"
got=$(q "p=[p for p in d['processes'] if p['pid']==$child][0]; print(p['buffers'], p['fds'], p['mappings'], p['held_bytes'], p['share_bytes'])")
result "$([ "$got" = "1 1 0 $MiB $((MiB / 2))" ] && echo 0 || echo 1)" \
	"its child: the shared 1 MiB buffer, half of it its share (got: $got)"
got=$(q "h=[h for h in d['heaps'] if h['name']=='$heap'][0]; print(h['buffers'], h['bytes'], h['source'])")
read -r hb hbytes hsrc <<<"$got"
result "$([ "${hb:-0}" -ge 3 ] && [ "${hbytes:-0}" -ge $((7 * MiB)) ] && echo 0 || echo 1)" \
	"heap $heap: at least the holder's 3 buffers and 7 MiB (got $hb buffers, $hbytes bytes, from $hsrc)"
if [ "$vgem" = vgem ]; then
	got=$(q "print(sum(x['attachments'] for x in d['devices'] if 'vgem' in x['name']))")
	result "$([ "${got:-0}" -ge 1 ] && echo 0 || echo 1)" "vgem has the imported buffer attached ($got attachments)"
else
	skip "vgem has the imported buffer attached" "no vgem device"
fi
if [ -n "$gst" ]; then
	got=""
	for i in $(seq 60); do
		got=$("$tool" top --json | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(*[p['buffers'] for p in d['processes'] if p['pid']==$gst])")
		[ "${got:-0}" -ge 2 ] && break
		sleep 0.5
	done
	result "$([ "${got:-0}" -ge 2 ] && echo 0 || echo 1)" \
		"the running pipeline (gst-launch-1.0, pid $gst) holds its pool's buffers ($got)"
else
	skip "the running pipeline holds its pool's buffers" "no gst-launch-1.0 or no plugin built"
fi

once=$("$tool" top --once --sort pid 2>&1)
line=$(grep -E "^ *$parent +python3 " <<<"$once")
result "$([ -n "$line" ] && awk '{ exit !($3 == 3 && $4 == 2 && $5 == 1) }' <<<"$line" && echo 0 || echo 1)" \
	"--once shows the holder's row: $line"

# On screen, in a terminal.
if ! command -v tmux >/dev/null; then
	for d in "on screen: the holder's row" "on screen: the sort key changes" "on screen: q quits" "bad input: --delay 0"; do
		skip "$d" "no tmux"
	done
	exit 0
fi
export TERM=xterm-256color
tmux new-session -d -s dmtop -x 150 -y 45 "$tool top --delay 1"
screen=""
for i in $(seq 120); do
	screen=$(tmux capture-pane -p -t dmtop 2>/dev/null)
	grep -Eq "^ *$parent +python3 +3 +2 +1 " <<<"$screen" && break
	sleep 0.5
done
result "$(grep -Eq "^ *$parent +python3 +3 +2 +1 " <<<"$screen" && echo 0 || echo 1)" \
	"on screen (tmux): the holder's row with 3 buffers, 2 fds, 1 mapping"
grep -Eq "^ *$parent +python3" <<<"$screen" || comment <<<"$screen"
tmux send-keys -t dmtop p
for i in $(seq 60); do
	screen=$(tmux capture-pane -p -t dmtop 2>/dev/null)
	grep -q "sorted by pid" <<<"$screen" && break
	sleep 0.5
done
result "$(grep -q "sorted by pid" <<<"$screen" && echo 0 || echo 1)" "on screen: the key p sorts by pid"
tmux send-keys -t dmtop q
for i in $(seq 60); do
	tmux has-session -t dmtop 2>/dev/null || break
	sleep 0.5
done
result "$(tmux has-session -t dmtop 2>/dev/null && echo 1 || echo 0)" "on screen: q quits"
out=$("$tool" top --delay 0 2>&1); rc=$?
result "$([ $rc = 2 ] && grep -q "delay wants 1 to 3600" <<<"$out" && echo 0 || echo 1)" \
	"bad input: --delay 0 is refused with status 2 ($out)"
