#!/bin/bash
# --top-percent 50 of seven rows asks for 3.5: 0.9, 0.8, 0.8 are 3, so both rows at 0.4 join
# (5 selected, threshold 0.4). A: tp 0.9 and 0.4, fp 0.8, tn 0.2; B: tp 0.8, fp 0.4, tn 0.1.
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cutoff"]
assert (c["rule"], c["requested_weight"], c["threshold"], c["selected_weight"], c["tied_weight"],
        c["ties_included"]) == ("top_percent", 3.5, 0.4, 5, 2, True), c
g = {x["value"]: x for x in d["groups"]}
assert g["A"]["counts"] == {"tp": 2, "fp": 1, "tn": 1, "fn": 0, "rows": 4}, g["A"]["counts"]
assert g["B"]["counts"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 0, "rows": 3}, g["B"]["counts"]
PY
