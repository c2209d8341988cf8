# shellcheck shell=bash
# A real result (the loans fixture), then spoiled.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --bootstrap 20 --json "$TMP/a.json" --quiet || [ $? -le 4 ]
sed "s/\"fairaudit_version\":\t\"[0-9.]*\"/\"fairaudit_version\":\t\"9.0.0\"/" "$TMP/a.json" >"$TMP/t.json"
