# shellcheck shell=bash
# A real result (the loans fixture), then spoiled.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --bootstrap 20 --json "$TMP/a.json" --quiet || [ $? -le 4 ]
python3 - "$TMP/a.json" "$TMP/t.json" <<'PY'
import sys
t = open(sys.argv[1], encoding="utf-8").read()
t = t.replace('"verdict":', '"verdict":\t"passed",\n\t"verdict":', 1)
open(sys.argv[2], "w", encoding="utf-8").write(t)
PY
