#!/bin/bash
# Every test program is a meson test (tests/meson.build): each *.t script of
# tests/host, tests/guest and tests/testbed is registered under its name and
# protocol TAP, and every guest test is in the one-boot runs (guest-all, and
# guest-core unless it is a stack suite), so a new test cannot be forgotten
# by ./check.
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DMAHEAP_BUILD:-$top/build}
. "$top/tests/tap.sh"
json=$(mktemp)
trap 'rm -f "$json"' EXIT
meson introspect --tests "$build" >"$json" 2>&1 ||
	skip_all "meson introspect --tests $build failed: $(head -c 300 "$json")"
scripts=$(cd "$top/tests" && ls host/*.t guest/*.t testbed/*.t)
echo "1..$(($(wc -l <<<"$scripts") + 1))"
while IFS= read -r s; do
	out=$(python3 - "$json" "$build" "$s" "$top/tests/$s" 2>&1 <<'PY'
import json, os, sys
build, rel, path = sys.argv[2], sys.argv[3], sys.argv[4]
suite = "dmaheap:" + rel.split("/")[0]
tests = {}
for t in json.load(open(sys.argv[1])):
    # Paths in a command are relative to the test's working directory.
    t["cmd"] = [os.path.normpath(os.path.join(t["workdir"] or build, c)) for c in t["cmd"]]
    for s in t["suite"]:
        tests[(t["name"], s)] = t
        tests[(t["name"], "any")] = t
name = os.path.basename(rel)[:-2]
t = tests.get((name, suite))
if t is None:
    sys.exit(f"no meson test {name!r} in suite {suite}")
if t["protocol"] != "tap" or t["cmd"][-1] != path:
    sys.exit(f"{name}: protocol {t['protocol']}, command {t['cmd']}")
if rel.startswith("guest/"):
    runs = [r for r in ("guest-all", "guest-core") if path in tests[(r, "any")]["cmd"]]
    if "guest-all" not in runs:
        sys.exit(f"{name} is not in guest-all's command")
    print("in " + " and ".join(runs))
PY
)
	rc=$? name=${s##*/}
	result $rc "$s is the meson test ${name%.t} (TAP)${out:+: $out}"
done <<<"$scripts"
python3 - "$json" <<'PY'
import json, sys
tests = {t["name"]: t for t in json.load(open(sys.argv[1]))}
core, all_ = tests["guest-core"]["cmd"][2:], tests["guest-all"]["cmd"][2:]
sys.exit(0 if set(core) <= set(all_) and any(c.endswith("20-kernel-heaps.t") for c in core) else 1)
PY
result $? "guest-core is part of guest-all and has the built 20-kernel-heaps.t"
exit $failed
