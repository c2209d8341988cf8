# shellcheck shell=bash
# Bad input writes nothing: the existing report is untouched and no temporary file is left;
# an error while rendering (a bad SOURCE_DATE_EPOCH) also leaves no file.
[ "$(cat "$TMP/r.pdf")" = "old report" ] || { echo "the old report was changed"; exit 1; }
SOURCE_DATE_EPOCH=yesterday "$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid \
    --pred approved --group sex --quiet --pdf "$TMP/r.pdf" --json "$TMP/new.json" 2>"$TMP/err"
st=$?
[ $st -eq 2 ] || { echo "bad SOURCE_DATE_EPOCH: exit status $st, expected 2"; exit 1; }
grep -q "SOURCE_DATE_EPOCH: expected seconds since 1970" "$TMP/err" || { cat "$TMP/err"; exit 1; }
[ "$(cat "$TMP/r.pdf")" = "old report" ] || { echo "the old report was changed"; exit 1; }
[ "$(ls "$TMP")" = "$(printf 'err\nr.pdf')" ] || { echo "files left:"; ls -a "$TMP"; exit 1; }
