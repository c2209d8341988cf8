#!/bin/sh
# make demo: the whole audit on the bundled fixture data (fixtures/loans.csv, a synthetic loan
# book with a documented disparity against women), under fixtures/demo_policy.json. Prints the
# summary, writes out/demo/audit.json and the PDF report out/demo/report.pdf, and exits with
# the gate verdict (1: the demo fails the four-fifths rule, on purpose).
set -u
O=${1:-build/release}
"$O/fairaudit" demo --out out/demo --data fixtures
st=$?
# the PDF report, rendered from the saved result alone (exit status: the audit's verdict)
if [ -f out/demo/audit.json ]; then
    "$O/fairaudit" report out/demo/audit.json --quiet --pdf out/demo/report.pdf
    case $? in 0 | 1 | 4) echo "wrote out/demo/report.pdf" ;; *) st=3 ;; esac
fi
case $st in
0) echo "demo: every gate passed (exit 0)" ;;
1) echo "demo: a gate failed (exit 1) - the injected disparity was caught, as intended" ;;
4) echo "demo: inconclusive (exit 4)" ;;
*) echo "demo: error (exit $st)" ;;
esac
exit $st
