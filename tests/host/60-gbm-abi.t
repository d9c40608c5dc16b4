#!/bin/bash
# The GBM backend's ABI negotiation needs no device: run the guest test here too.
exec "$(dirname "$0")/../guest/60-gbm-abi.t"
