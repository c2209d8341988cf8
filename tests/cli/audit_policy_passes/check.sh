# shellcheck shell=bash
# Every gate of the loose policy passes, and the JSON says so.
python3 - "$TMP/a.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["verdict"] == "passed", d["verdict"]
assert d["gates"] and all(g["outcome"] == "passed" for g in d["gates"]), d["gates"]
PY
