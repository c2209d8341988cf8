# shellcheck shell=bash
# Shapley values in the report: the global importance of the 20 features with the largest
# mean |phi| (the first and the 20th as the JSON has them), the beeswarm, and the waterfall
# of female's gap in mean output to male, with its end values as printed.
source tests/cli/pdf_common/lib.sh
pdf_tools_or_skip
pdf_check "$TMP/r.pdf" 6 30
mapfile -t want < <(python3 - "$TMP/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
run = [r for r in d["attributions"]["runs"] if r["method"] == "tree"][0]
imp = sorted(run["importances"], key=lambda i: -i["mean"])
print(imp[0]["feature"])
print(imp[19]["feature"])
g = {x["group"]: x for x in run["groups"]}
print("%.3g" % g["male"]["mean_output"])
print("%.3g" % g["female"]["mean_output"])
PY
)
[ "${#want[@]}" -eq 4 ] || { echo "could not read the Shapley run from the JSON"; exit 1; }
pdf_has "$TMP/r.pdf.txt" "Attributions" "Shapley values (tree, margin) by sex" "Global importance" \
    "The 20 features with the largest mean |phi| of 61." "Where the disparity comes from" \
    "Disparity in mean output: female against male" "41 other features" "${want[@]}"
