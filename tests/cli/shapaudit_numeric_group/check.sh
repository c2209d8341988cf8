#!/bin/bash
# A numeric sensitive column: the run's groups are the audit's own, by text ("2" and "2.0" are
# two groups, an empty cell is "(missing)"), and the reference is the audit's (the largest,
# "1"). Values as in shapaudit_linear_fixture: phi of rows 1..5 = (-1, -1), (1, -1), (0, 1),
# (2, 1), (1, 3); grp = 2, 2.0, 1, 1, missing.
python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["attributions"]["runs"][0]
assert [g["group"] for g in r["groups"]] == sorted(g["value"] for g in d["groups"])
assert [g["group"] for g in r["groups"]] == ["(missing)", "1", "2", "2.0"]
assert [g["rows"] for g in r["groups"]] == [1, 2, 1, 1]
assert r["reference"] == "1"
mp = {g["group"]: g["mean_phi"] for g in r["groups"]}
assert mp["(missing)"] == [1, 3, 0] and mp["1"] == [1, 1, 0]
assert mp["2"] == [-1, -1, 0] and mp["2.0"] == [1, -1, 0]
gap = {g["group"]: g["gap"] for g in r["groups"]}
assert gap["2"] == [-2, -2, 0] and gap["(missing)"] == [0, 2, 0]
PY
