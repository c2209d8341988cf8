#!/bin/bash
# Every value and the base value match XGBoost's pred_contribs (golden) within 1e-6 + 1e-6|v|.
python3 - "$TMP/shap.csv" "$SHARED/golden/german_xgb_treeshap_test.csv" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1])))
g = list(csv.reader(open(sys.argv[2])))
assert a[0][:-1] == g[0][1:-1] and a[0][-1] == "base_value", (a[0][:3], g[0][:3])
assert len(a) == len(g) == 301
for ra, rg in zip(a[1:], g[1:]):
    for x, y in zip(ra, rg[1:]):
        x, y = float(x), float(y)
        assert abs(x - y) <= 1e-6 + 1e-6 * abs(y), (x, y)
PY
