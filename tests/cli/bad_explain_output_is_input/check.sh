# shellcheck shell=bash
cmp tests/bad/data/linear_features.csv "$TMP/x.csv"
