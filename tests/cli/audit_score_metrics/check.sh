#!/bin/bash
# ROC AUC with ties counted half, computed independently (Python Mann-Whitney over
# fixtures/loans.csv): all rows 0.7797847464282178, Female 0.8003951709293428.
python3 - "$TMP/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["overall"]["scores"]["roc_auc"] == 0.7797847464282178, d["overall"]["scores"]
f = [g for g in d["groups"] if g["value"] == "Female"][0]
assert f["scores"]["roc_auc"] == 0.8003951709293428, f["scores"]
# the sweep is per group, on one grid of 101 thresholds (loans.csv has more distinct scores)
sw = f["scores"]["sweep"]
assert sw["thresholds"] == d["overall"]["scores"]["sweep"]["thresholds"]
assert len(sw["thresholds"]) == 101 and sw["thresholds"][0] == 0 and sw["thresholds"][100] == 1
assert sw["selection_rate"][0] == 1 and sw["true_positive_rate"][0] == 1
assert len(f["calibration"]) == 10
PY
