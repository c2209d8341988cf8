# shellcheck shell=bash
# The JSON result parses and says the demo policy failed.
python3 - "$TMP/a.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["verdict"] == "failed", d["verdict"]
assert d["passed"] is False and d["exit_status"] == 1
assert [g["outcome"] for g in d["gates"]] == ["failed"] * 6, d["gates"]
assert d["input"]["rows"] == 5000
PY
