# shellcheck shell=bash
# --quiet silences stdout, not the JSON.
python3 - "$TMP/a.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["verdict"] == "failed", d["verdict"]
PY
