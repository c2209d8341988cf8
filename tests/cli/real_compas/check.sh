# shellcheck shell=bash
# The JSON of the COMPAS audit parses, with every row and the given reference.
python3 - "$TMP/c.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
assert d["input"]["rows"] == 6172, d["input"]
assert d["verdict"] == "passed"
race = [x for x in d["disparities"] if x["attribute"] == "race"]
assert race and all(x["reference"] == "Caucasian" for x in race), race[:1]
PY
