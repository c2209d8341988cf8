# shellcheck shell=bash
# COMPAS with the bootstrap (1000 replicates): the cover's first finding is the failed
# four-fifths gate with the worst group's ratio and its bootstrap interval as the JSON result
# has them; every group and its key rates are printed.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
pdf_check "$TMP/r.pdf" 8 40
mapfile -t want < <(pdf_json_texts "$TMP/a.json")
pdf_has "$TMP/r.pdf.txt" "${want[@]}" "Verdict: FAILED" "COMPAS recidivism scores: release gates" \
    "African-American" "Native American" "small"
# the gate's sentence: "... is 1.76 times that of Caucasian; 95% CI 1.65–1.88; ..."
finding=$(python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = [x for x in d["gates"] if x["name"] == "four_fifths"][0]
print("times that of Caucasian")
print("%.2f" % g["value"])
PY
)
mapfile -t f <<<"$finding"
pdf_has "$TMP/r.pdf.txt" "${f[@]}"
tr '\n' ' ' <"$TMP/r.pdf.txt" | grep -q "Gate “four_fifths” failed: for race, the selection rate of" ||
    { echo "the first finding is not the failed gate"; exit 1; }
