#!/bin/bash
# k = 2 from the policy: |yhat - neighbour mean| = 0.5 (rows 1, 2 -> mean 0.5), 0.5 (0, 2),
# 1 (1, 0 -> 1), 0 (4, 2), 0 (3, 2): 1 - 2/5 = 0.6
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["individual_fairness"]
assert d["consistency_k"] == 2 and d["consistency"] == 0.6, d
PY
