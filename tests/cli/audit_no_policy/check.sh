# shellcheck shell=bash
# Without a policy the JSON result has no gates and passes.
python3 - "$TMP/a.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["verdict"] == "passed", d["verdict"]
assert d["passed"] is True and d["exit_status"] == 0 and d["gates"] == []
PY
