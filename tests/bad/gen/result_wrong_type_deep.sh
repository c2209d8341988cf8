# A result whose second group's true-positive count is a string.
source tests/bad/gen/result_base.sh "$1.full" || exit 1
python3 - "$1.full" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["groups"][1]["counts"]["tp"] = "12"
json.dump(r, open(sys.argv[2], "w"), indent=1)
PY
rm -f "$1.full"
