#!/bin/bash
# k = 1, a row never its own neighbour, ties to the lower row: 0->1, 1->0 (tie with 2),
# 2->1, 3->4, 4->3; only row 2 (yhat 0, neighbour 1) differs: 1 - 1/5 = 0.8
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["individual_fairness"]
assert d["consistency_k"] == 1 and d["consistency"] == 0.8, d
PY
