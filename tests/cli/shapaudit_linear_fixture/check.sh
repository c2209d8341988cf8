#!/bin/bash
# Hand-computed linear Shapley values (model.json: margin = (x0 - 1) + 2 (x1 - 0.5), so
# phi0 = x0 - 1, phi1 = 2 (x1 - 0.5), phi2 = 0 and the base value is the margin at the scaler
# mean, 0). Rows F: (-1, -1), (1, -1) -> margins -2, 0; rows M: (0, 1), (2, 1), (1, 3) -> 1, 3,
# 4. Mean output F -1, M 8/3; mean phi F (0, -1, 0), M (1, 5/3, 0); gap F - M (-1, -8/3, 0),
# which adds up to -1 - 8/3 = -11/3. Mean |phi0| = 5/5 = 1 with std sqrt(0.4) (|phi0| = 1, 1,
# 0, 2, 1); mean |phi1| = 7/5 with std 0.8 (1, 1, 1, 1, 3). M is the reference (the largest).
python3 - "$TMP/a.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
runs = d["attributions"]["runs"]
assert len(runs) == 1, runs
r = runs[0]
close = lambda a, b: abs(a - b) <= 1e-12 * max(1.0, abs(b))
assert r["method"] == "linear" and r["output"] == "margin" and r["attribute"] == "sex"
assert r["rows"] == 5 and r["base_value"] == 0
assert "scoring" not in r and "repeats" not in r
imp = r["importances"]
assert [f["feature"] for f in imp] == ["x0", "x1", "x2"]
assert close(imp[0]["mean"], 1.0) and close(imp[0]["std"], math.sqrt(0.4))
assert close(imp[1]["mean"], 1.4) and close(imp[1]["std"], 0.8) and imp[2]["mean"] == 0 and imp[2]["std"] == 0
assert r["reference"] == "M" and r["bootstrap"] == 400
F, M = r["groups"]
assert F["group"] == "F" and M["group"] == "M" and F["rows"] == 2 and M["rows"] == 3
assert close(F["mean_output"], -1.0) and close(M["mean_output"], 8 / 3)
for a, b in zip(F["mean_phi"], [0, -1, 0]): assert close(a, b), F
for a, b in zip(M["mean_phi"], [1, 5 / 3, 0]): assert close(a, b), M
for a, b in zip(F["gap"], [-1, -8 / 3, 0]): assert close(a, b), F
assert close(sum(F["gap"]), F["mean_output"] - M["mean_output"])
assert M["gap"] == [0, 0, 0] and M["gap_ci"] == [[0, 0], [0, 0], [0, 0]]
# the ignored feature: [0, 0]; every point inside its interval; F's phi0 term lies in
# [-1 - 2, 1 - 0], its phi1 term (-1 minus M's mean of 1, 1, 3) in [-4, -2]
assert F["gap_ci"][2] == [0, 0]
for g, (lo, hi) in zip(F["gap"], F["gap_ci"]): assert lo <= g <= hi, (g, lo, hi)
assert -3 <= F["gap_ci"][0][0] < F["gap_ci"][0][1] <= 1
assert -4 <= F["gap_ci"][1][0] < F["gap_ci"][1][1] <= -2
# all 5 rows in the beeswarm sample, in row order, with their values
s = r["sample"]
assert s["rows"] == 5
assert s["x"] == [[0, 0, 5], [2, 0, 7], [1, 1, 1], [3, 1, 0], [2, 2, 4]]
assert s["phi"] == [[-1, -1, 0], [1, -1, 0], [0, 1, 0], [2, 1, 0], [1, 3, 0]]
PY
