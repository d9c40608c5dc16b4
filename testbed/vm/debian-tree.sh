# shellcheck shell=bash
# Shared by testbed/mesa-backports and testbed/gstreamer-trixie (sourced, not
# run): Debian packages from a suite this machine does not run, resolved by
# apt with private state under $DMAHEAP_CACHE/apt-$DT_NAME (the system's own
# sources, lists and dpkg status are neither read nor changed), fetched with
# "apt-get download", unpacked with "dpkg -x" into a cache entry named after
# a version and a hash of the package list. The entry appears by rename()
# only once it is complete, like the cached kernels (testbed/vm/build-kernel);
# a link, $DMAHEAP_CACHE/$DT_NAME, points at the newest one for --offline
# use (the test guest has no network).
#
# The caller sets:
#   DT_NAME        entry prefix and message prefix, e.g. mesa-backports
#   DT_SOURCES     sources.list lines
#   DT_RESOLVE     array: packages apt resolves with their dependencies
#   DT_EXTRA       array: packages fetched alone, without dependencies
#   DT_STANDALONE  1: resolve against an empty system (every dependency, the
#                  C library included); 0: against this machine's packages
#                  (only what it does not already satisfy)
#   DT_VERSION_OF  the package whose version names the entry
#   DT_RECIPE      bump when the entry's layout changes
#   DT_ARCH        (optional) a Debian architecture other than the host's:
#                  apt resolves and downloads that architecture's packages
# and defines:
#   dt_check_version VERSION   fails (message) when VERSION will not do
#   dt_finish_tree DIR FINAL   checks the unpacked DIR/root and adds files
#                              (FINAL: where DIR will be once complete)
#   dt_print_env DIR           export lines for eval
#   dt_exec DIR CMD...         (optional) runs CMD with the tree; the
#                              default evals dt_print_env and execs CMD
#   usage
# then calls dt_main "$@".

# The Debian archive this machine's apt uses (testbed/vm/common.sh), unless
# DMAHEAP_DEBIAN_MIRROR names another.
MIRROR=${DMAHEAP_DEBIAN_MIRROR:-$(debian_mirror Debian)}

say() { echo "$DT_NAME: $*" >&2; }

dt_state() { echo "$DMAHEAP_CACHE/apt-$DT_NAME"; }

dt_apt_opts() {
	debian_apt_opts "$DT_NAME" "$DT_STANDALONE"
	[ -z "${DT_ARCH:-}" ] ||
		printf '%s\n' -o "APT::Architecture=$DT_ARCH" -o "APT::Architectures::=$DT_ARCH"
}

# The newest complete cache entry, through the link the last fetch left.
dt_cached_dir() {
	local d
	d=$(readlink -f "$DMAHEAP_CACHE/$DT_NAME" 2>/dev/null) || return 1
	[ -f "$d/.complete" ] && echo "$d"
}

# Resolves, downloads and unpacks; prints the cache entry.
dt_fetch() {
	local state opts log inst key ver dest tmp old link=$DMAHEAP_CACHE/$DT_NAME
	state=$(dt_state)
	mapfile -t opts < <(dt_apt_opts)
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" \
		"$state/sources.list.d" "$state/preferences.d"
	: >"$state/preferences"
	: >"$state/empty-status"
	echo "$DT_SOURCES" >"$state/sources.list"
	log=$state/update.log
	if ! apt-get "${opts[@]}" -q update >"$log" 2>&1 ||
		grep -q '^\(Err\|W: Failed\|E: \)' "$log"; then
		if dest=$(dt_cached_dir); then
			say "cannot refresh the package lists from $MIRROR (no network?); using the cached $dest" \
				"(log: $log)"
			echo "$dest"
			return
		fi
		sed 's/^/  /' "$log" | tail -n 8 >&2
		say "cannot download the package lists from $MIRROR (apt-get update with a private sources list; log: $log)." \
			"This is needed once, then cached in $DMAHEAP_CACHE: connect this machine to the network" \
			"(or set DMAHEAP_DEBIAN_MIRROR to a reachable Debian mirror) and run testbed/${0##*/} again"
		return 1
	fi
	# What installing the packages would change: the "Inst" lines are what
	# the system (this machine's, or an empty one) does not already have.
	log=$state/resolve.log
	if ! apt-get "${opts[@]}" -q -s --no-install-recommends install \
		"${DT_RESOLVE[@]}" >"$log" 2>&1; then
		sed 's/^/  /' "$log" | tail -n 15 >&2
		say "apt cannot resolve ${DT_RESOLVE[*]} (log: $log)"
		return 1
	fi
	inst=$( (sed -nE 's/^Inst ([^ ]+) (\[[^]]*\] )?\(([^ ]+) .*/\1=\3/p' "$log"
		for p in "${DT_EXTRA[@]}"; do
			apt-cache "${opts[@]}" policy "$p" | sed -n "s/^  Candidate: /$p=/p"
		done) | sort -u)
	ver=$(sed -n "s/^$DT_VERSION_OF=//p" <<<"$inst")
	[ -n "$ver" ] || {
		say "apt would not install $DT_VERSION_OF (is this Debian 12? log: $log)"
		return 1
	}
	dt_check_version "$ver" || return 1
	key=$( (echo "recipe $DT_RECIPE"; echo "$inst") | sha256sum | cut -c1-12)
	dest=$DMAHEAP_CACHE/$DT_NAME-${ver//[^A-Za-z0-9.+-]/_}-$key
	if [ ! -f "$dest/.complete" ]; then
		rm -rf "$DMAHEAP_CACHE/$DT_NAME"-*.tmp.* 2>/dev/null || true
		tmp=$(mktemp -d "$dest.tmp.XXXXXX")
		# shellcheck disable=SC2064 # $tmp is fixed from here on
		trap "rm -rf '$tmp'" EXIT
		say "downloading $(wc -l <<<"$inst") packages ($DT_VERSION_OF $ver): $(tr '\n' ' ' <<<"$inst")"
		mkdir "$tmp/debs"
		# shellcheck disable=SC2086 # one argument per package
		(cd "$tmp/debs" && apt-get "${opts[@]}" -q download $inst) >"$tmp/download.log" 2>&1 || {
			tail -n 8 "$tmp/download.log" >&2
			say "apt-get download failed (network? log: $tmp/download.log)"
			trap - EXIT
			return 1
		}
		for deb in "$tmp"/debs/*.deb; do
			dpkg -x "$deb" "$tmp/root" || { say "dpkg -x $deb failed"; return 1; }
		done
		{
			echo "version $ver"
			echo "$inst" | sed 's/^/package /'
		} >"$tmp/manifest"
		dt_finish_tree "$tmp" "$dest" || return 1
		rm -rf "$tmp/debs"
		touch "$tmp/.complete"
		rm -rf "$dest"
		mv "$tmp" "$dest"
		trap - EXIT
	fi
	# The link --offline (the guest) follows; replaced atomically.
	ln -sfn "${dest##*/}" "$link.tmp.$$"
	mv -T "$link.tmp.$$" "$link"
	# Entries made from other package lists are never used again.
	for old in "$DMAHEAP_CACHE/$DT_NAME"-*; do
		[ "$old" != "$dest" ] && [ -f "$old/.complete" ] || continue
		say "removing $old (superseded by ${dest##*/})"
		rm -rf "$old"
	done
	echo "$dest"
}

dt_main() {
	local mode=dir offline=0 dir
	while [ $# -gt 0 ]; do
		case "$1" in
		--dir) mode=dir ;;
		--env) mode="env" ;;
		--offline) offline=1 ;;
		--exec) mode="exec"; shift; break ;;
		-h | --help) usage; exit 0 ;;
		*) say "unknown argument '$1'"; usage >&2; exit 2 ;;
		esac
		shift
	done
	[ "$mode" != exec ] || [ $# -gt 0 ] || { say "--exec needs a command"; exit 2; }

	if [ "$offline" = 1 ]; then
		dir=$(dt_cached_dir) || {
			say "nothing cached in $DMAHEAP_CACHE (no complete $DMAHEAP_CACHE/$DT_NAME): run testbed/${0##*/} on the host, with network (./check does)"
			exit 1
		}
	else
		dir=$(dt_fetch) || exit 1
	fi
	case "$mode" in
	dir) echo "$dir" ;;
	env) dt_print_env "$dir" ;;
	exec)
		if declare -F dt_exec >/dev/null; then
			dt_exec "$dir" "$@"
		fi
		eval "$(dt_print_env "$dir")"
		exec "$@"
		;;
	esac
}
