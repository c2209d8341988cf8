# shellcheck shell=bash
# Helpers of the pdf_* CLI cases (sourced by their check.sh; this folder has no `args`, so
# tests/cli/run.sh does not run it as a case).
#
#   pdf_tools_or_skip          prints "skip: ..." and exits 0 when poppler-utils or qpdf are
#                              missing (scripts/install-deps.sh installs them)
#   pdf_check FILE MIN MAX     qpdf --check passes; DejaVu Sans and DejaVu Sans Bold embedded;
#                              MIN <= pages <= MAX; author fairaudit; "Page N of N" on the last
#                              page; writes the text to FILE.txt
#   pdf_has FILE.txt TEXT...   each TEXT occurs in the extracted text (fixed strings)
#   pdf_json_texts JSON        prints, one a line, what the report must show from the JSON
#                              result: every group name, each group's selection rate, TPR and
#                              FPR as printed (3 decimals, "undefined"), and the verdict
set -u

pdf_tools_or_skip() {
    local t
    for t in qpdf pdftotext pdffonts pdfinfo; do
        if ! command -v "$t" >/dev/null 2>&1; then
            echo "skip: $t is missing (apt-get install poppler-utils qpdf)"
            exit 0
        fi
    done
}

pdf_check() {
    local f=$1 min=$2 max=$3
    [ -s "$f" ] || { echo "no PDF at $f"; exit 1; }
    qpdf --check "$f" >"$f.qpdf" 2>&1 || { echo "qpdf --check failed:"; head "$f.qpdf"; exit 1; }
    pdffonts "$f" 2>/dev/null >"$f.fonts"
    grep -Eq 'DejaVuSans,Book +CID TrueType +Identity-H +yes' "$f.fonts" ||
        { echo "DejaVu Sans not embedded:"; cat "$f.fonts"; exit 1; }
    grep -Eq 'DejaVuSans-Bold,Bold +CID TrueType +Identity-H +yes' "$f.fonts" ||
        { echo "DejaVu Sans Bold not embedded:"; cat "$f.fonts"; exit 1; }
    local pages
    pages=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
    [ "$pages" -ge "$min" ] && [ "$pages" -le "$max" ] ||
        { echo "pages: $pages, expected $min to $max"; exit 1; }
    pdfinfo "$f" 2>/dev/null | grep -q '^Author: *fairaudit$' || { echo "author is not fairaudit"; exit 1; }
    pdftotext -enc UTF-8 "$f" "$f.txt" 2>/dev/null || { echo "pdftotext failed"; exit 1; }
    grep -q "Page $pages of $pages" "$f.txt" || { echo "no 'Page $pages of $pages'"; exit 1; }
}

pdf_has() { # searches the text with its line breaks as spaces (sentences wrap)
    local txt=$1 s
    shift
    tr '\n' ' ' <"$txt" >"$txt.flat"
    for s in "$@"; do
        grep -qF -- "$s" "$txt" || grep -qF -- "$s" "$txt.flat" ||
            { echo "missing from the PDF text: '$s'"; exit 1; }
    done
}

pdf_json_texts() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def fmt(v):
    return "undefined" if v is None else "%.3f" % v
for g in d["groups"]:
    print(g["value"])
    m = g["metrics"]
    for k in ("selection_rate", "true_positive_rate", "false_positive_rate"):
        print(fmt(m.get(k)))
print("Verdict: " + d["verdict"].upper())
PY
}
