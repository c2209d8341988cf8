# shellcheck shell=bash
# A real result (the loans fixture), then spoiled.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --bootstrap 20 --json "$TMP/a.json" --quiet || [ $? -le 4 ]
python3 - "$TMP/a.json" "$TMP/t.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["groups"][1]["counts"]["tp"] = -1
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), indent=1)
PY
