#!/bin/bash
# The sweep of each group at the five distinct scores of all rows (rows with score >= t):
#   A (P 2, N 2): t=0.4 selects 0.9 0.8 0.4 -> 3/4, TPR 2/2, FPR 1/2; t=0.9 -> 1/4, 1/2, 0
#   B (P 1, N 2): t=0.2 selects 0.8 0.4 -> 2/3, TPR 1, FPR 1/2; t=0.9 selects nothing
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["value"]: x for x in d["groups"]}
t = [0.1, 0.2, 0.4, 0.8, 0.9]
want = {
    "A": {"thresholds": t, "selection_rate": [1, 1, 3/4, 2/4, 1/4],
          "true_positive_rate": [1, 1, 1, 1/2, 1/2], "false_positive_rate": [1, 1, 1/2, 1/2, 0]},
    "B": {"thresholds": t, "selection_rate": [1, 2/3, 2/3, 1/3, 0],
          "true_positive_rate": [1, 1, 1, 1, 0], "false_positive_rate": [1, 1/2, 1/2, 0, 0]},
}
for k in want:
    assert g[k]["scores"]["sweep"] == want[k], (k, g[k]["scores"]["sweep"])
o = d["overall"]["scores"]["sweep"]
assert o["selection_rate"] == [1, 6/7, 5/7, 3/7, 1/7], o
assert o["true_positive_rate"] == [1, 1, 1, 2/3, 1/3], o
# A: positives 0.9, 0.4 over negatives 0.8, 0.2: 3 of 4 pairs
assert g["A"]["scores"]["roc_auc"] == 0.75
assert len(g["A"]["calibration"]) == 10
assert "threshold_sweep" not in d
PY
