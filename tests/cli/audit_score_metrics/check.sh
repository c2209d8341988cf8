#!/bin/bash
# ROC AUC with ties counted half, computed independently (Python Mann-Whitney over
# fixtures/loans.csv): all rows 0.7797847464282178, Female 0.8003951709293428.
python3 - "$TMP/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["overall"]["scores"]["roc_auc"] == 0.7797847464282178, d["overall"]["scores"]
f = [g for g in d["groups"] if g["value"] == "Female"][0]
assert f["scores"]["roc_auc"] == 0.8003951709293428, f["scores"]
assert len(d["threshold_sweep"]["thresholds"]) == 101
assert len(f["calibration"]) == 10
PY
