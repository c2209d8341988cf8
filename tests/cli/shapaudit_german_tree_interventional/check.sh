#!/bin/bash
# Interventional TreeSHAP (--background-size 40: the first 40 test rows) inside the audit: the
# base value is the mean margin of the background (logit of the file's float32 scores: 1e-5),
# each group's gap terms add up to its gap in mean margin (1e-12 relative), and the reference
# is the audit's (the largest group, "yes").
python3 - "$TMP/g.json" "$SHARED" <<'PY'
import csv, json, math, sys
d = json.load(open(sys.argv[1]))
pred = list(csv.DictReader(open(sys.argv[2] + "/models/german_pred_xgb.csv")))
margin = [math.log(float(p["score"]) / (1 - float(p["score"]))) for p in pred]
(r,) = d["attributions"]["runs"]
assert r["method"] == "tree" and r["attribute"] == "foreign_worker" and r["reference"] == "yes"
assert abs(r["base_value"] - sum(margin[:40]) / 40) < 1e-5, r["base_value"]
no, yes = r["groups"]
assert (no["group"], no["rows"], yes["rows"]) == ("no", 13, 287)
gap = no["mean_output"] - yes["mean_output"]
assert abs(sum(no["gap"]) - gap) <= 1e-12 * abs(gap), (sum(no["gap"]), gap)
assert abs(gap - (sum(m for m, p in zip(margin, pred) if p["foreign_worker"] == "no") / 13 -
                  sum(m for m, p in zip(margin, pred) if p["foreign_worker"] == "yes") / 287)) < 1e-5
for t, (lo, hi) in zip(no["gap"], no["gap_ci"]): assert lo <= t <= hi
PY
