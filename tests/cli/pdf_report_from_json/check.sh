# shellcheck shell=bash
# `fairaudit report AUDIT.json --pdf` renders from the JSON alone: the same text as the
# audit's own report but for the date (SOURCE_DATE_EPOCH) and the command line, which the
# JSON does not keep; same bytes twice; --paper letter; exit status the saved audit's.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
for i in 1 2; do
    SOURCE_DATE_EPOCH=86400 "$FAIRAUDIT_BIN" report "$TMP/a.json" --quiet --pdf "$TMP/b.pdf"
    st=$?
    [ $st -eq 1 ] || { echo "report: exit status $st, expected 1"; exit 1; }
    mv "$TMP/b.pdf" "$TMP/b$i.pdf"
done
cmp "$TMP/b1.pdf" "$TMP/b2.pdf" || { echo "two renders differ"; exit 1; }
pdf_check "$TMP/a.pdf" 8 40
pdf_check "$TMP/b1.pdf" 8 40
pdf_has "$TMP/b1.pdf.txt" "2 January 1970, 00:00 UTC" "Verdict: FAILED" \
    "$(sha256sum fixtures/loans.csv | cut -c1-64)" "Demo: loan approval model, release gates"
# every page before the reproducibility section as the audit printed it (the reader keeps
# every number the report shows)
sed -e '/^Reproducibility$/,$d' -e '/UTC$/d' "$TMP/a.pdf.txt" >"$TMP/a.cmp"
sed -e '/^Reproducibility$/,$d' -e '/UTC$/d' "$TMP/b1.pdf.txt" >"$TMP/b.cmp"
[ "$(wc -l <"$TMP/a.cmp")" -gt 500 ] || { echo "too little text compared"; exit 1; }
"$FAIRAUDIT_BIN" report "$TMP/a.json" --quiet --paper letter --pdf "$TMP/l.pdf"
pdfinfo "$TMP/l.pdf" 2>/dev/null | grep -q '^Page size: *612 x 792 pts' || { echo "not letter"; exit 1; }
diff "$TMP/a.cmp" "$TMP/b.cmp" >"$TMP/diff" || { echo "texts differ:"; head -20 "$TMP/diff"; exit 1; }
