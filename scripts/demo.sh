#!/bin/sh
# make demo: the whole audit on the bundled fixture data (fixtures/loans.csv, a synthetic loan
# book with a documented disparity against women), under fixtures/demo_policy.json. Prints the
# summary, writes out/demo/audit.json and exits with the gate verdict (1: the demo fails the
# four-fifths rule, on purpose).
set -u
O=${1:-build/release}
"$O/fairaudit" demo --out out/demo --data fixtures
st=$?
case $st in
0) echo "demo: every gate passed (exit 0)" ;;
1) echo "demo: a gate failed (exit 1) - the injected disparity was caught, as intended" ;;
4) echo "demo: inconclusive (exit 4)" ;;
*) echo "demo: error (exit $st)" ;;
esac
exit $st
