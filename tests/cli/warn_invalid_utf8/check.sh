# shellcheck shell=bash
# The JSON keeps the value with its bad byte written as \xNN, and is valid UTF-8 JSON.
python3 - "$TMP/out.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
values = sorted(g["value"] for g in d["groups"] if g["attribute"] == "race")
assert values == ["A\\xFFB", "C", "\u00e9t\u00e9"], values
PY
