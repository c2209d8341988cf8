#!/bin/bash
# Shares in the data: A 4 of 7, B 3 of 7. Representation = data share / population share:
# A (4/7) / 0.5 = 8/7, B (3/7) / 0.25 = 12/7. C is not in the data, h is not audited: warned.
python3 - "$TMP/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["imbalance"]["g"]["groups"]
assert g["A"]["population_share"] == 0.5 and g["A"]["representation_ratio"] == (4 / 7) / 0.5, g["A"]
assert g["B"]["population_share"] == 0.25 and g["B"]["representation_ratio"] == (3 / 7) / 0.25, g["B"]
w = "\n".join(d["warnings"])
assert "population.g.C: no group 'C' in the data" in w, w
assert "population.h: 'h' is not an audited group column" in w, w
PY
