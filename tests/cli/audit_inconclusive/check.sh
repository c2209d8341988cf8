# shellcheck shell=bash
# The gate on the intersection is inconclusive, in the JSON too.
python3 - "$TMP/a.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["exit_status"] == 4, d["exit_status"]
assert [g["outcome"] for g in d["gates"]] == ["inconclusive"], d["gates"]
assert d["gates"][0]["attribute"] == "sex & age_band"
PY
