#!/bin/bash
# Path-dependent TreeSHAP on 80 rows (so through the leaf tables) of a model trained with
# missing values, 10% of x missing (default directions): every value within 1e-6 + 1e-6 |v| of
# XGBoost 1.7.4's own predict(pred_contribs=True) (xgboost_contribs.csv, written by
# python3-xgboost from the same model and rows; XGBoost computes in float32).
python3 - "$TMP/shap.csv" tests/cli/tree_path_matches_xgboost_missing/xgboost_contribs.csv <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1])))
g = list(csv.reader(open(sys.argv[2])))
assert a[0][:-1] == g[0][:-1] and a[0][-1] == "base_value" and len(a) == len(g) == 81
for ra, rg in zip(a[1:], g[1:]):
    for x, y in zip(ra, rg):
        x, y = float(x), float(y)
        assert abs(x - y) <= 1e-6 + 1e-6 * abs(y), (x, y)
PY
