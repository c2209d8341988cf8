# shellcheck shell=bash
# A group column with one value is a warning on stderr (and in the JSON), not an error.
# Pending: the library puts the warning in the JSON result only (see args.pending).
grep -q "group column 'race' has one value only" "$STDERR" || { echo "no warning on stderr"; exit 1; }
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert any("one value only" in w for w in d["warnings"]), d["warnings"]
' "$TMP/out.json"
