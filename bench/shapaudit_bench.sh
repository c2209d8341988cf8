#!/bin/bash
# bench/shapaudit_bench.sh [BUILD_DIR] - the cost of Shapley values and their disparity
# decomposition inside an audit (fairaudit audit --explain tree), on the shared Adult XGBoost
# model (16281 test rows x 88 features, 50 trees of depth <= 4), groups sex and race.
#
#   bench/shapaudit_bench.sh build/release
#
# For threads T in 1 and 2, RUNS times each (median kept), whole processes:
#   base:   audit ADULT_PRED --group sex,race --bootstrap 1000                  (no attributions)
#   tree:   the same + --model --features-file --explain tree --bootstrap 0    (values, groups)
#   tree+B: the same + --explain tree --bootstrap 1000     (and the stratified row bootstrap of
#           every gap term: 1000 x 16281 rows x 88 features per attribute)
# It prints the medians and the differences (the Shapley values; the decomposition's
# bootstrap), checks that the JSON is the same bytes with 1 and 2 threads, and prints the
# machine's load average (other work on the machine slows every figure).
#
# Environment: FA_BENCH_RUNS (default 3), FA_SHARED (default ../shared).
set -euo pipefail
export LC_ALL=C

O=${1:-build/release}
O=${O%/}
BIN=$O/fairaudit
SH=${FA_SHARED:-../shared}/models
RUNS=${FA_BENCH_RUNS:-3}
[ -x "$BIN" ] || { echo "bench/shapaudit_bench.sh: no $BIN (make first)" >&2; exit 1; }
[ -f "$SH/adult_xgb.json" ] || { echo "bench/shapaudit_bench.sh: no $SH/adult_xgb.json" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

common=(audit "$SH/adult_pred_xgb.csv" --label income_gt_50k --pred pred --group sex,race
        --min-group-size 50 --seed 1 --quiet)
model=(--model "$SH/adult_xgb.json" --features-file "$SH/adult_test_features.csv"
       --match-by-position --explain tree)

# median wall seconds of RUNS runs of the given command (its JSON kept as $TMP/last.json)
time_it() {
    local ts=()
    for ((r = 0; r < RUNS; r++)); do
        local t0=$EPOCHREALTIME
        "$BIN" "$@" --json "$TMP/last.json" 2>/dev/null || [ $? -eq 1 ] || [ $? -eq 4 ]
        local t1=$EPOCHREALTIME
        ts+=("$(echo "$t1 - $t0" | bc -l)")
    done
    printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s %8s %8s %10s %10s\n' threads base_s tree_s treeB_s values_s boot_s
for T in 1 2; do
    b=$(time_it "${common[@]}" --bootstrap 1000 --threads $T)
    t=$(time_it "${common[@]}" "${model[@]}" --bootstrap 0 --threads $T)
    tb=$(time_it "${common[@]}" "${model[@]}" --bootstrap 1000 --threads $T)
    cp "$TMP/last.json" "$TMP/t$T.json"
    printf '%-8s %8.3f %8.3f %8.3f %10.3f %10.3f\n' "$T" "$b" "$t" "$tb" \
        "$(echo "$t - $b" | bc -l)" "$(echo "$tb - $t" | bc -l)"
done
cmp -s "$TMP/t1.json" "$TMP/t2.json" && echo "JSON: the same bytes with 1 and 2 threads" ||
    { echo "JSON differs between 1 and 2 threads" >&2; exit 1; }
echo "JSON size with the decomposition and the 1000-row sample: $(wc -c < "$TMP/t1.json") bytes"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
