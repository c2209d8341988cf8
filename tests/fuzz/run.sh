#!/bin/bash
# Runs every fuzz target for SECONDS seconds (default 60) with its seed corpus (FA_FUZZ_TARGETS
# picks some: FA_FUZZ_TARGETS="csv external"):
#   make fuzz && tests/fuzz/run.sh 600
# Corpora grow under build/fuzz/corpus/<target>; crashes land in build/fuzz/ as crash-*.
set -u
secs=${1:-60}
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz/corpus/{csv,policy,model,external,result}
cp -n fixtures/loans.csv tests/data/cli/*.csv build/fuzz/corpus/csv/ 2>/dev/null
cp -n fixtures/demo_policy.json tests/data/cli/policy*.json build/fuzz/corpus/policy/ 2>/dev/null
cp -n tests/data/models/*.json build/fuzz/corpus/model/ 2>/dev/null
cp -n tests/fuzz/seeds/external/* build/fuzz/corpus/external/ 2>/dev/null
cp -n tests/fuzz/seeds/result/* build/fuzz/corpus/result/ 2>/dev/null
status=0
for t in ${FA_FUZZ_TARGETS:-csv policy model external result}; do
    echo "== fuzz_$t for ${secs}s"
    (cd build/fuzz && ./fuzz_$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 corpus/$t 2>&1 | grep -E "stat::|Done|ERROR|SUMMARY|crash-" ) || true
    ls build/fuzz/crash-* build/fuzz/leak-* build/fuzz/timeout-* 2>/dev/null && status=1
done
exit $status
