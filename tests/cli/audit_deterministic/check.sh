# shellcheck shell=bash
# The same audit run again gives a byte-identical JSON result.
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --score score \
    --group sex,age_band --intersect --policy fixtures/demo_policy.json --quiet \
    --json "$TMP/b.json"
st=$?
[ "$st" -eq 1 ] || { echo "second run: exit status $st, expected 1"; exit 1; }
cmp "$TMP/a.json" "$TMP/b.json"
