#!/bin/bash
# Kernel SHAP with a budget covering every coalition (M = 3: 2^3 - 2 = 6 <= 8) is exact: for a
# linear model it equals the closed form coef_j * (x_j - background mean) within 1e-9, every
# standard error is 0, and the JSON states the seed and the budget.
"$FAIRAUDIT_BIN" explain --method linear --model tests/data/models/tiny_linear.json \
    --data tests/data/cli/shap_data.csv --background-size 40 --out "$TMP/linear.csv" --quiet \
    || exit 1
python3 - "$TMP/kernel.csv" "$TMP/linear.csv" "$TMP/se.csv" "$TMP/k.json" <<'PY'
import csv, json, sys
a, b, se = (list(csv.reader(open(p))) for p in sys.argv[1:4])
assert a[0] == b[0] == se[0] == ["x0", "x1", "x2", "base_value"], a[0]
assert len(a) == len(b) == len(se) == 121
for ra, rb, rs in zip(a[1:], b[1:], se[1:]):
    for x, y in zip(ra, rb):
        assert abs(float(x) - float(y)) < 1e-9, (x, y)
    assert all(float(v) == 0.0 for v in rs), rs
j = json.load(open(sys.argv[4]))
assert j["method"] == "kernel" and j["seed"] == 0 and j["nsamples"] == 8, j
assert all(e["max_se"] == 0 for e in j["importances"])
PY
