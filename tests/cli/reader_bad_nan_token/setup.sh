# shellcheck shell=bash
# A real result (the loans fixture), then spoiled.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --bootstrap 20 --json "$TMP/a.json" --quiet || [ $? -le 4 ]
python3 - "$TMP/a.json" "$TMP/t.json" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
t = re.sub(r'("selection_rate":\t)[0-9.e+-]+', r'\1NaN', t, count=1)
open(sys.argv[2], "w", encoding="utf-8").write(t)
PY
