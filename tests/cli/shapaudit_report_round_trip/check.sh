#!/bin/bash
# A Shapley run (groups, gaps, intervals, sample) read back by 'fairaudit report' is written
# again as the same bytes: the JSON carries the whole decomposition.
"$FAIRAUDIT_BIN" report "$TMP/a.json" --json "$TMP/b.json" --quiet && cmp "$TMP/a.json" "$TMP/b.json" &&
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["attributions"]["runs"][0]
assert r["method"] == "exact" and len(r["groups"]) == 2 and r["sample"]["rows"] == 5
assert all("gap_ci" in g for g in r["groups"])
' "$TMP/a.json"
