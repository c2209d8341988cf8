#!/bin/bash
# --top-k 2 on seven rows: 0.9 is one row, so both rows at 0.8 come in (3 selected, threshold
# 0.8). A: 0.9 (y=1) tp, 0.8 (y=0) fp, 0.4 (y=1) fn, 0.2 (y=0) tn; B: 0.8 (y=1) tp, 2 tn.
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cutoff"] == {"rule": "top_k", "value": 2, "requested_weight": 2, "threshold": 0.8,
                       "selected_weight": 3, "tied_weight": 2, "ties_included": True}, d["cutoff"]
g = {x["value"]: x for x in d["groups"]}
assert g["A"]["counts"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 1, "rows": 4}, g["A"]["counts"]
assert g["B"]["counts"] == {"tp": 1, "fp": 0, "tn": 2, "fn": 0, "rows": 3}, g["B"]["counts"]
assert g["A"]["metrics"]["selection_rate"] == 0.5               # 2 of 4
assert g["B"]["metrics"]["selection_rate"] == 1 / 3             # 1 of 3
assert d["overall"]["metrics"]["selection_rate"] == 3 / 7
PY
