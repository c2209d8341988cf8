# shellcheck shell=bash
# 200 groups: the tables list every group (and its rates), breaking across pages with the
# header repeated; the charts show the top and bottom groups and say so.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
pdf_check "$TMP/r.pdf" 15 60
mapfile -t want < <(pdf_json_texts "$TMP/a.json")
[ "${#want[@]}" -gt 800 ] || { echo "expected 200 groups in the JSON"; exit 1; }
pdf_has "$TMP/r.pdf.txt" "${want[@]}" "Māori" "Afro-Brasileiro" "Ñuble & Bío-Bío" \
    "Rates by region (continued)" "the groups with the highest and the lowest"
