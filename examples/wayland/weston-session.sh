# shellcheck shell=bash
# shellcheck disable=SC2034 # WESTON_* are read by the script that sources this
# Start and stop Debian's weston on the vkms display, for scripts that run
# inside the test guest (testbed/vm/run). Source this file, then:
#
#   weston_write_ini FILE                  weston.ini: no animations, no idle
#   weston_start OUTDIR [WESTON_ARGS...]   start weston, wait for its socket
#   weston_wait_log PATTERN [SECONDS]      wait for an extended regex in its log
#   weston_stop                            SIGTERM, wait, check its exit status
#   weston_wait_fade SECONDS               wait for desktop-shell's fade-in to end
#   weston_client_plane PID                the plane weston used most for PID's views
#   weston_client_composed PID             repaints that drew PID's views with the renderer
#   kms_plane_scanning LOG INODE...        the plane kms-screenshot saw scanning out one of them
#
# WESTON_CMD (default "weston") is the command that runs weston, e.g. another
# weston through its own loader (testbed/weston-forky). weston_start runs it
# without GBM_BACKEND and GBM_BACKENDS_PATH (Debian 12's weston 10 renders
# with Mesa 22.3's EGL, which needs Mesa's own backend: docs/weston.md)
# unless WESTON_GBM=keep: weston 16 on Mesa 26 (GL renderer through the
# drop-in, Vulkan renderer through gbm_bo_create_with_modifiers) draws into
# heap buffers.
#
# weston_start sets WESTON_PID, WESTON_LOG (log and drm-backend debug scope),
# WESTON_CARD (/dev/dri/cardN of vkms) and exports WAYLAND_DISPLAY. Every wait
# is a loop on a condition bounded in wall time (SECONDS), not in polls: each
# poll forks, which is slow in a TCG guest.
# Functions return non-zero with a message in WESTON_ERROR.

WESTON_START_TIMEOUT=${WESTON_START_TIMEOUT:-180}

# The DRM card whose driver is NAME (default vkms), by name, never by number.
weston_find_card() {
	local want=${1:-vkms} f n
	for f in /sys/kernel/debug/dri/*/name; do
		[ -r "$f" ] || continue
		n=${f%/name}
		n=${n##*/}
		if [ "$(cut -d' ' -f1 <"$f")" = "$want" ] && [ -e "/dev/dri/card$n" ]; then
			echo "card$n"
			return 0
		fi
	done
	# Without debugfs: the driver link in sysfs.
	for f in /sys/class/drm/card[0-9]*; do
		case "$f" in *-*) continue ;; esac
		if [ "$(basename "$(readlink -f "$f/device/driver")")" = "$want" ]; then
			echo "${f##*/}"
			return 0
		fi
	done
	return 1
}

# weston_write_ini FILE: no idle blanking in a long run, and no window
# animations: desktop-shell's fade and close animations draw client buffers
# with the renderer, which weston's GL renderer cannot do with a client
# dma-buf on vkms (its llvmpipe cannot read one; it crashed weston 10 here:
# docs/weston.md).
weston_write_ini() {
	cat >"$1" <<'EOF_INI'
[core]
idle-time=0

[shell]
startup-animation=none
animation=none
close-animation=none
focus-animation=none
EOF_INI
}

# weston_start OUTDIR [WESTON_ARGS...]
weston_start() {
	local outdir=$1 socket deadline
	shift
	WESTON_ERROR=""
	if ! WESTON_CARD=$(weston_find_card vkms); then
		WESTON_ERROR="no vkms DRM device (boot the test kernel, or modprobe vkms)"
		return 1
	fi
	: "${XDG_RUNTIME_DIR:?XDG_RUNTIME_DIR must be set (a tmpfs: no sockets on 9p)}"
	mkdir -p "$outdir" "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	# A socket name of our own, so a stale wayland-0 cannot be mistaken for ours.
	socket=dmaheap-weston-$$
	rm -f "$XDG_RUNTIME_DIR/$socket" "$XDG_RUNTIME_DIR/$socket.lock"
	WESTON_LOG=$outdir/weston.log
	# --debug enables weston-debug and weston-screenshooter; the
	# drm-backend scope logs plane assignment.
	local unset=(-u GBM_BACKEND -u GBM_BACKENDS_PATH) tty=(--tty=2)
	[ "${WESTON_GBM:-}" != keep ] || unset=()
	# weston 10 opens a VT of its own; weston >= 14 has no --tty (libseat)
	[ -z "${WESTON_CMD:-}" ] || tty=()
	# shellcheck disable=SC2086 # WESTON_CMD is a command line
	env "${unset[@]}" ${WESTON_CMD:-weston} \
		--backend=drm-backend.so "${tty[@]}" --continue-without-input \
		--drm-device="$WESTON_CARD" --socket="$socket" --idle-time=0 --debug \
		--log="$WESTON_LOG" --logger-scopes=log,drm-backend "$@" \
		>"$outdir/weston.out" 2>&1 &
	WESTON_PID=$!
	deadline=$((SECONDS + WESTON_START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ -S "$XDG_RUNTIME_DIR/$socket" ] && break
		if ! kill -0 "$WESTON_PID" 2>/dev/null; then
			wait "$WESTON_PID"
			WESTON_ERROR="weston exited with status $? before creating its socket (see $WESTON_LOG)"
			WESTON_PID=""
			return 1
		fi
		sleep 0.2
	done
	if [ ! -S "$XDG_RUNTIME_DIR/$socket" ]; then
		WESTON_ERROR="weston created no socket in ${WESTON_START_TIMEOUT}s"
		weston_stop
		return 1
	fi
	export WAYLAND_DISPLAY=$socket
}

# weston_wait_log ERE [SECONDS]: 0 when the log has a matching line.
weston_wait_log() {
	local pattern=$1 deadline=$((SECONDS + ${2:-60}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -qE "$pattern" "$WESTON_LOG" 2>/dev/null && return 0
		kill -0 "$WESTON_PID" 2>/dev/null || break
		sleep 0.2
	done
	grep -qE "$pattern" "$WESTON_LOG" 2>/dev/null
}

# weston_stop: SIGTERM and a bounded wait; SIGKILL (and failure) if it hangs.
weston_stop() {
	local rc deadline=$((SECONDS + 60))
	[ -n "${WESTON_PID:-}" ] || return 0
	kill -TERM "$WESTON_PID" 2>/dev/null
	while [ "$SECONDS" -lt "$deadline" ]; do
		kill -0 "$WESTON_PID" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$WESTON_PID" 2>/dev/null; then
		kill -KILL "$WESTON_PID"
		wait "$WESTON_PID" 2>/dev/null
		WESTON_ERROR="weston did not stop within 60 s of SIGTERM (killed)"
		WESTON_PID=""
		return 1
	fi
	wait "$WESTON_PID"
	rc=$?
	WESTON_PID=""
	unset WAYLAND_DISPLAY
	if [ "$rc" != 0 ]; then
		WESTON_ERROR="weston exited with status $rc after SIGTERM"
		return 1
	fi
}

# weston_wait_fade SECONDS: desktop-shell fades in from a black surface in
# its top layer, and any view under it goes to the renderer. 0 once a scene
# graph (drm-backend scope) shows that layer empty again.
weston_wait_fade() {
	local deadline=$((SECONDS + $1))
	until awk '/Layer 0 \(pos 0xffffffff\):/ { getline nxt; if (nxt ~ /no views/) found = 1 }
		END { exit !found }' "$WESTON_LOG"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}

# weston_views PID: the views of process PID in the scene graph dumps
# ("View N (role xdg_toplevel, PID P, ..., 0xVIEW)"), as an ERE alternation.
weston_views() {
	grep -E "^[[:space:]]*View [0-9]+ \(.*PID $1," "$WESTON_LOG" |
		grep -oE '0x[0-9a-f]+\)' | tr -d ')' | sort -u | paste -sd'|'
}

# weston_since PID: the log from the first scene graph that shows a view of
# PID on. A view's address is its only name in the repaint lines, and weston
# reuses a closed window's address for a later one: lines before PID's
# first view belong to someone else.
weston_since() {
	awk -v pid="PID $1," 'found || (/^[[:space:]]*View [0-9]+ \(/ && index($0, pid)) { found = 1; print }' "$WESTON_LOG"
}

# weston_client_plane PID: the plane weston's DRM backend used most for the
# views of process PID ("[repaint] view 0xVIEW on overlay plane 47"), or
# nothing (never on a plane).
weston_client_plane() {
	local views
	views=$(weston_views "$1")
	[ -n "$views" ] || return 1
	weston_since "$1" | grep -oE "\[repaint\] view ($views) on [A-Za-z]+ plane [0-9]+" |
		sed 's/.* on //' | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *[0-9]* //'
}

# weston_client_composed PID: how many repaints drew a view of process PID
# with weston's renderer instead of a plane ("... using renderer composition").
weston_client_composed() {
	local views
	views=$(weston_views "$1")
	[ -n "$views" ] || { echo 0; return; }
	weston_since "$1" | grep -cE "\[repaint\] view ($views) using renderer composition"
}

# kms_plane_scanning LOG INODE...: "plane N, inode I, EXPORTER" for a plane
# that examples/wayland/kms-screenshot's LOG shows scanning out the dma-buf
# with one of the inodes (the last one found); fails when none does.
kms_plane_scanning() {
	local log=$1 ino line found=""
	shift
	for ino in "$@"; do
		line=$(grep -E "^plane [0-9]+ .*, dma-buf inode $ino, exporter " "$log") &&
			found="${line%%:*}, inode $ino, ${line##*exporter }"
	done
	[ -n "$found" ] && echo "$found"
}
