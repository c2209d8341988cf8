#!/bin/bash
# Exact interventional values over the fixture's own 5 rows as background (background mean
# x0 1.6, x1 0.8): phi0 = x0 - 1.6, phi1 = 2 (x1 - 0.8), phi2 = 0, base = margin at the mean
# = 0.6 + 0.6 = 1.2. Mean phi F (1 - 1.6, 2 (0 - 0.8), 0) = (-0.6, -1.6, 0); M (2 - 1.6,
# 2 (4/3 - 0.8), 0) = (0.4, 16/15, 0). The gap terms (-1, -8/3, 0) do not depend on the
# background (a linear model's terms are w_j times the gap in mean x_j), as in
# shapaudit_linear_fixture; the intervals are at the audit's --confidence 0.8.
python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["options"]["confidence_level"] == 0.8
r = d["attributions"]["runs"][0]
close = lambda a, b: abs(a - b) <= 1e-12 * max(1.0, abs(b))
assert r["method"] == "exact" and close(r["base_value"], 1.2) and r["bootstrap"] == 300
F, M = r["groups"]
for a, b in zip(F["mean_phi"], [-0.6, -1.6, 0]): assert close(a, b), F
for a, b in zip(M["mean_phi"], [0.4, 16 / 15, 0]): assert close(a, b), M
for a, b in zip(F["gap"], [-1, -8 / 3, 0]): assert close(a, b), F
assert close(F["mean_output"], -1.0 + 0.0) and close(M["mean_output"], 8 / 3)
assert close(sum(F["gap"]), F["mean_output"] - M["mean_output"])
assert F["gap_ci"][2] == [0, 0] and M["gap_ci"] == [[0, 0]] * 3
for g, (lo, hi) in zip(F["gap"], F["gap_ci"]): assert lo <= g <= hi
PY
