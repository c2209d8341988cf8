#!/bin/bash
# German XGBoost, path-dependent TreeSHAP inside the audit, against XGBoost's own values
# (../shared/golden/german_xgb_treeshap_test.csv, rows aligned with the prediction file):
# per-group mean phi within 1e-6 + 1e-6 |v| (the golden file's float32 precision), the
# base value 0.9968851, gaps that add up to the gap in mean margin (1e-12 relative), mean
# margins equal to the mean logit of the file's scores (float32: 1e-5), the sample = all
# 300 rows, intervals around their points, the audit's reference group.
python3 - "$TMP/g.json" "$SHARED" <<'PY'
import csv, json, math, sys
d = json.load(open(sys.argv[1]))
sh = sys.argv[2]
gold = list(csv.reader(open(sh + "/golden/german_xgb_treeshap_test.csv")))
head, rows = gold[0], gold[1:]
feats = head[1:-1]
phi = [[float(v) for v in r[1:-1]] for r in rows]
pred = list(csv.DictReader(open(sh + "/models/german_pred_xgb.csv")))
assert len(pred) == len(phi) == 300
margin = [math.log(float(p["score"]) / (1 - float(p["score"]))) for p in pred]
runs = d["attributions"]["runs"]
assert [r["attribute"] for r in runs] == ["sex", "foreign_worker"], runs
assert all(r["method"] == "tree" and r["output"] == "margin" for r in runs)
near = lambda a, b: abs(a - b) <= 1e-6 + 1e-6 * abs(b)
for r, ref in zip(runs, ["male", "yes"]):
    assert r["rows"] == 300 and abs(r["base_value"] - 0.9968851) < 1e-6
    assert [f["feature"] for f in r["importances"]] == feats
    for k, f in enumerate(r["importances"]):
        assert near(f["mean"], sum(abs(p[k]) for p in phi) / 300), f
    assert r["reference"] == ref and r["bootstrap"] == 500
    out = {g["group"]: g for g in r["groups"]}
    R = out[ref]
    for g in r["groups"]:
        idx = [i for i, p in enumerate(pred) if p[r["attribute"]] == g["group"]]
        assert g["rows"] == len(idx)
        for k in range(61):
            assert near(g["mean_phi"][k], sum(phi[i][k] for i in idx) / len(idx)), (g["group"], k)
        assert abs(g["mean_output"] - sum(margin[i] for i in idx) / len(idx)) < 1e-5
        gap = g["mean_output"] - R["mean_output"]
        assert abs(sum(g["gap"]) - gap) <= 1e-12 * max(abs(gap), 1e-300) or g is R, (g["group"], sum(g["gap"]), gap)
        for t, (lo, hi) in zip(g["gap"], g["gap_ci"]):
            assert lo <= t <= hi, (g["group"], t, lo, hi)
    assert [g["group"] for g in r["groups"]] == sorted(out), r["groups"]
# the sample: every row (300 <= 1000), only in the first run
s = runs[0]["sample"]
assert s["rows"] == 300 and "sample" not in runs[1]
for i in (0, 17, 299):
    assert all(near(a, b) for a, b in zip(s["phi"][i], phi[i]))
x = list(csv.reader(open(sh + "/models/german_test_features.csv")))[1:]
assert s["x"][5] == [float(v) for v in x[5]]
PY
