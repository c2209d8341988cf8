#!/bin/bash
# Interventional TreeSHAP (--background: tree.csv; 80 rows, so through the leaf tables) equals
# the exact estimator over the same background to 1e-9 on an 8-feature XGBoost model (20 trees
# of depth 4, trained with missing values, so the splits' default directions matter; 10% of x
# and of the background missing), and is the same bytes with 1 thread as with 2.
set -eu
D=tests/cli/tree_interventional_equals_exact
"$FAIRAUDIT_BIN" explain --method exact --model $D/model.json --data $D/x.csv \
    --background $D/bg.csv --out "$TMP/exact.csv" --quiet
"$FAIRAUDIT_BIN" explain --method tree --model $D/model.json --data $D/x.csv \
    --background $D/bg.csv --out "$TMP/tree1.csv" --threads 1 --quiet
cmp "$TMP/tree.csv" "$TMP/tree1.csv"
python3 - "$TMP/tree.csv" "$TMP/exact.csv" <<'PY'
import csv, sys
t = list(csv.reader(open(sys.argv[1])))
e = list(csv.reader(open(sys.argv[2])))
assert t[0] == e[0] and t[0][-1] == "base_value" and len(t) == len(e) == 81, (t[0], len(t))
worst = max(abs(float(a) - float(b)) for rt, re in zip(t[1:], e[1:]) for a, b in zip(rt, re))
big = max(abs(float(a)) for r in t[1:] for a in r[:-1])
assert worst <= 1e-9 and big > 0.5, (worst, big)
PY
