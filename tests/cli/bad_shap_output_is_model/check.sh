# shellcheck shell=bash
cmp tests/data/models/tiny_linear.json "$TMP/m.json"
