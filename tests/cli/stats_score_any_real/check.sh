#!/bin/bash
# Scores 0.9 (y=1), 1.5 (y=0), -2 (y=1), 0.25 (y=0) are not probabilities: with
# --score-any-real the ranks still count (AUC over all rows: positive 0.9 beats 0.25 only,
# positive -2 beats none: 1 of 4 pairs), the probability metrics are undefined.
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["overall"]["scores"]
assert s["roc_auc"] == 0.25, s
assert s["brier_score"] is None and s["log_loss"] is None, s
assert s["undefined"]["brier_score"] == "scores outside [0, 1]", s
assert d["overall"]["scores"]["sweep"]["thresholds"] == [-2, 0.25, 0.9, 1.5]
PY
