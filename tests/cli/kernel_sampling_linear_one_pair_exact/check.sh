#!/bin/bash
# Permutation sampling: the game of a linear model has no interactions, so every permutation
# gives the exact values, and one antithetic pair (--nsamples 2) equals the closed form
# within 1e-9.
"$FAIRAUDIT_BIN" explain --method linear --model tests/data/models/tiny_linear.json \
    --data tests/data/cli/shap_data.csv --background-size 40 --out "$TMP/linear.csv" --quiet \
    || exit 1
python3 - "$TMP/s.csv" "$TMP/linear.csv" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
assert a[0] == b[0] and len(a) == 121
for ra, rb in zip(a[1:], b[1:]):
    for x, y in zip(ra, rb):
        assert abs(float(x) - float(y)) < 1e-9, (x, y)
PY
