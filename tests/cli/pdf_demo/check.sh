# shellcheck shell=bash
# The demo audit's report: a valid PDF with the fonts embedded, the verdict, every group and
# its key rates as the JSON result has them, the sections; the input's SHA-256 as sha256sum
# gives it; and the same bytes from two runs with the same SOURCE_DATE_EPOCH.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
pdf_check "$TMP/r.pdf" 8 40
mapfile -t want < <(pdf_json_texts "$TMP/a.json")
[ "${#want[@]}" -gt 20 ] || { echo "too few texts from the JSON"; exit 1; }
pdf_has "$TMP/r.pdf.txt" "${want[@]}" "Verdict: FAILED" "Demo: loan approval model, release gates" \
    "Key findings" "Gate “four_fifths” failed" "Gates" "Data and class imbalance" \
    "Attribute: sex" "Attribute: age_band" "Attribute: sex & age_band" "Scores" "Methodology" \
    "Reproducibility" "true_positive_rate = TP / P" "$(sha256sum fixtures/loans.csv | cut -c1-64)"
for i in 1 2; do
    SOURCE_DATE_EPOCH=1700000000 "$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid \
        --pred approved --score score --score-metrics --group sex,age_band --intersect \
        --policy fixtures/demo_policy.json --bootstrap 200 --quiet --pdf "$TMP/d.pdf"
    [ $? -eq 1 ] || { echo "run $i: exit status not 1"; exit 1; }
    mv "$TMP/d.pdf" "$TMP/d$i.pdf"
done
cmp "$TMP/d1.pdf" "$TMP/d2.pdf" || { echo "two runs differ"; exit 1; }
pdfinfo "$TMP/d1.pdf" 2>/dev/null | grep -q '^CreationDate: *Tue Nov 14 22:13:20 2023 UTC' ||
    { echo "creation date is not SOURCE_DATE_EPOCH"; pdfinfo "$TMP/d1.pdf"; exit 1; }
