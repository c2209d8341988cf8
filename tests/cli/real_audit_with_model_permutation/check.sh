#!/bin/bash
# The equalized-odds baseline of the German XGBoost model over foreign_worker equals the
# fairness reference (../shared/golden/german_fairness_reference.json): 0.4382022471910112.
python3 - "$TMP/g.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["attributions"]["runs"]
assert [r["scoring"] for r in runs] == ["accuracy", "equalized_odds_difference"], runs
assert abs(runs[0]["baseline"] - 0.7333333333333333) < 1e-15
assert runs[1]["baseline"] == 0.4382022471910112, runs[1]["baseline"]
assert len(runs[0]["importances"]) == 61
assert runs[0]["importances"][0]["feature"] == "duration_months"
PY
