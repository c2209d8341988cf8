# shellcheck shell=bash
# The model file, copied: --json names it (through another spelling of the same path).
cp tests/data/models/tiny_linear.json "$TMP/m.json"
