# shellcheck shell=bash
# TAP helpers for dmaheap's shell tests (sourced): each call prints one case
# and counts it in $n; the script prints its plan ("1..N") itself.
#   ok DESCRIPTION / not_ok DESCRIPTION / skip DESCRIPTION REASON
#   comment < TEXT     prints TEXT as TAP diagnostics ("# ...")
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
comment() { sed 's/^/# /'; }
