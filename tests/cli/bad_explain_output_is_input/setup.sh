# shellcheck shell=bash
# The data file, copied: --out names it, and it must survive the refused run.
cp tests/bad/data/linear_features.csv "$TMP/x.csv"
