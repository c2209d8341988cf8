# shellcheck shell=bash
# The demo audit with every output, to compare with what `report` renders from its JSON.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --score score \
    --score-metrics --group sex,age_band --intersect --policy fixtures/demo_policy.json \
    --bootstrap 200 --json "$TMP/a.json" --markdown "$TMP/a.md" --junit "$TMP/a.xml" \
    --sarif "$TMP/a.sarif" >"$TMP/a.out" || [ $? -le 4 ]
