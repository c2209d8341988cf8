#!/bin/bash
# Kernel and sampling on the shared German XGBoost model (61 features): the same bytes with 1
# and 2 threads for a seed; kernel within 5 standard errors of interventional exact-game
# values from the tree estimator on the same background (each row adds up to the margin).
set -e
common=(--model "$SHARED/models/german_xgb.json" --data "$SHARED/models/german_test_features.csv"
    --background-size 30 --rows 12 --match-by-position --quiet)
"$FAIRAUDIT_BIN" explain --method kernel "${common[@]}" --nsamples 2000 --seed 3 --threads 2 \
    --out "$TMP/t2.csv" --se-out "$TMP/se2.csv" --json "$TMP/t2.json" 2>/dev/null
cmp "$TMP/t1.csv" "$TMP/t2.csv"
cmp "$TMP/se1.csv" "$TMP/se2.csv"
cmp "$TMP/t1.json" "$TMP/t2.json"
for t in 1 2; do
    "$FAIRAUDIT_BIN" explain --method sampling "${common[@]}" --nsamples 40 --seed 3 \
        --threads $t --out "$TMP/s$t.csv" 2>/dev/null
done
cmp "$TMP/s1.csv" "$TMP/s2.csv"
"$FAIRAUDIT_BIN" explain --method tree "${common[@]}" --out "$TMP/tree.csv" 2>/dev/null
python3 - "$TMP/t1.csv" "$TMP/se1.csv" "$TMP/tree.csv" <<'PY'
import csv, sys
k, se, t = (list(csv.reader(open(p))) for p in sys.argv[1:4])
assert len(k) == 13 and k[0] == t[0]
for rk, rs, rt in zip(k[1:], se[1:], t[1:]):
    for x, s, y in zip(rk, rs, rt):
        assert abs(float(x) - float(y)) <= 5 * float(s) + 1e-9, (x, s, y)
PY
