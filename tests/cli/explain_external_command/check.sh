#!/bin/bash
# The external command (examples/predictor.py, the same linear model in Python) gives the same
# importances as the native linear back end, bit for bit.
"$FAIRAUDIT_BIN" explain --method permutation --model tests/data/models/tiny_linear.json \
    --data tests/data/cli/ext_data.csv --label label --repeats 3 --seed 2 \
    --json "$TMP/native.json" --quiet || exit 1
python3 - "$TMP/ext.json" "$TMP/native.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["baseline"] == b["baseline"], (a["baseline"], b["baseline"])
assert [x["mean"] for x in a["importances"]] == [x["mean"] for x in b["importances"]]
PY
