# shellcheck shell=bash
# The demo writes its JSON result into --out, and the result says the demo policy failed.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["verdict"] == "failed" and d["exit_status"] == 1, (d["verdict"], d["exit_status"])
' "$TMP/demo/audit.json"
