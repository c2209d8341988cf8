#!/bin/bash
# For a linear model (margin space) the exact interventional values over a background equal the
# closed form coef_j * (x_j - mean of the background), within 1e-9.
"$FAIRAUDIT_BIN" explain --method linear --model tests/data/models/tiny_linear.json \
    --data tests/data/cli/shap_data.csv --background-size 40 --out "$TMP/linear.csv" --quiet \
    || exit 1
python3 - "$TMP/exact.csv" "$TMP/linear.csv" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(p))) for p in sys.argv[1:3])
assert a[0] == b[0]
for ra, rb in zip(a[1:], b[1:]):
    for x, y in zip(ra, rb):
        assert abs(float(x) - float(y)) < 1e-9, (x, y)
PY
