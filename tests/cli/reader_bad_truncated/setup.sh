# shellcheck shell=bash
# A real result (the loans fixture), then spoiled.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --bootstrap 20 --json "$TMP/a.json" --quiet || [ $? -le 4 ]
head -c 2000 "$TMP/a.json" >"$TMP/t.json"
