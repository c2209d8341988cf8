#!/bin/bash
# KernelSHAP over the fixture's 5 rows as background: 3 features, so the default budget
# enumerates all 6 coalitions and the values are exact (see shapaudit_exact_fixture): mean phi
# F (-0.6, -1.6, 0), M (0.4, 16/15, 0), base 1.2, gaps (-1, -8/3, 0) adding up to the gap in
# mean margin; without --bootstrap no "gap_ci".
python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["attributions"]["runs"][0]
near = lambda a, b: abs(a - b) <= 1e-9
assert r["method"] == "kernel" and near(r["base_value"], 1.2) and r["bootstrap"] == 0
F, M = r["groups"]
for a, b in zip(F["mean_phi"], [-0.6, -1.6, 0]): assert near(a, b), F
for a, b in zip(M["mean_phi"], [0.4, 16 / 15, 0]): assert near(a, b), M
for a, b in zip(F["gap"], [-1, -8 / 3, 0]): assert near(a, b), F
assert abs(sum(F["gap"]) - (F["mean_output"] - M["mean_output"])) <= 1e-12 * 11 / 3
assert "gap_ci" not in F and "gap_ci" not in M
PY
