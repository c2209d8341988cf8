# shellcheck shell=bash
# --paper letter and --title: 612 x 792 pt pages, the title on the cover and in the document
# info; no policy: no gates, verdict PASSED.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
pdf_check "$TMP/r.pdf" 4 20
pdfinfo "$TMP/r.pdf" 2>/dev/null | grep -q '^Page size: *612 x 792 pts (letter)' ||
    { pdfinfo "$TMP/r.pdf"; exit 1; }
pdfinfo "$TMP/r.pdf" 2>/dev/null | grep -q '^Title: *Māori & Afro-Brasileiro: a title long' ||
    { pdfinfo "$TMP/r.pdf"; exit 1; }
pdf_has "$TMP/r.pdf.txt" "Māori & Afro-Brasileiro: a title" "Verdict: PASSED" \
    "No policy was given: no gates were evaluated."
