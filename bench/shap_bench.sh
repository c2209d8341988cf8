#!/bin/bash
# bench/shap_bench.sh [BUILD_DIR] - Shapley estimators side by side: kernel, sampling, exact
# (and TreeSHAP, see the marked place below), against SHAP's figures.
#
#   bench/shap_bench.sh build/release
#
# The work of ../shared/golden/README.md's peer figure "KernelSHAP, 100 rows, 100 background
# rows, nsamples 2048" (SHAP KernelExplainer, 31.1 s, 349 MB): the 100-tree depth-6 XGBoost
# model over 20 features that bench/perm_bench.sh uses (bench/perm_peer.py gen, reused from
# DATA/perm when present), and a 20-feature logistic model (DATA/shap/linear.json, written
# here). Background = rows 1-100 of X.csv, explained rows = rows 101-200. Each run is a whole
# process (read, load, compute, write), median of RUNS, wall from bash's EPOCHREALTIME and
# peak RSS from GNU time:
#
#   kernel   --nsamples 2048 --seed 1, XGBoost (margin) and linear (margin; and probability,
#            where the game is predicted row by row as for any model), 1 and 2 threads;
#   error    of every estimate against the exact interventional values on the same
#            background: for XGBoost the interventional TreeSHAP of --method tree
#            --background (exact for this game), for the linear model --method linear;
#   sampling permutation budgets 32 .. 256 on XGBoost: the first whose RMS error is at most
#            kernel's is "sampling at the same error";
#   exact    --method exact at M = 16 (a 16-feature model of the same kind, DATA/shap16),
#            FA_BENCH_EXACT_ROWS rows (default 2), 100 background rows.
#
# Environment: FA_BENCH_RUNS (default 3), FA_BENCH_DATA (default build/bench),
# FA_BENCH_PYTHON (default /usr/bin/python3, Debian's, with python3-xgboost),
# FA_BENCH_EXACT_ROWS. The table is also written to DATA/shap/last-run.txt.
set -euo pipefail
export LC_ALL=C

die() {
    echo "bench/shap_bench.sh: $*" >&2
    exit 1
}

O=${1:-build/release}
O=${O%/}
BIN=$O/fairaudit
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${FA_BENCH_PYTHON:-/usr/bin/python3}
DATA=${FA_BENCH_DATA:-build/bench}
RUNS=${FA_BENCH_RUNS:-3}
EXACT_ROWS=${FA_BENCH_EXACT_ROWS:-2}
TIME=/usr/bin/time
SHAP_KERNEL_WALL=31.1 # ../shared/golden/README.md, "Peer timings on this machine"

[ -x "$BIN" ] || die "'$BIN' is missing; build it first: make BUILD=release"
[ -x "$TIME" ] || die "$TIME (GNU time) is missing; install the Debian package 'time'"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
case $RUNS in '' | *[!0-9]* | 0) die "FA_BENCH_RUNS must be a positive integer, got '$RUNS'" ;; esac

P=$DATA/perm
S=$DATA/shap
mkdir -p "$P" "$S" "$DATA/shap16"
if [ ! -s "$P/X.csv" ] || [ ! -s "$P/model.json" ]; then
    "$PY" -c 'import xgboost' 2>/dev/null || die "$PY lacks xgboost: apt-get install python3-xgboost"
    echo "making $P/{X.csv,y.csv,model.json} (1e5 x 20, 100 trees of depth 6) ..." >&2
    "$PY" "$HERE/perm_peer.py" gen "$P" 100000 20
fi
if [ ! -s "$DATA/shap16/model.json" ]; then
    "$PY" -c 'import xgboost' 2>/dev/null || die "$PY lacks xgboost: apt-get install python3-xgboost"
    echo "making $DATA/shap16 (2e4 x 16, 100 trees of depth 6) ..." >&2
    "$PY" "$HERE/perm_peer.py" gen "$DATA/shap16" 20000 16
fi
head -n 101 "$P/X.csv" >"$S/bg.csv"
{ head -n 1 "$P/X.csv"; sed -n 102,201p "$P/X.csv"; } >"$S/x.csv"
head -n 101 "$DATA/shap16/X.csv" >"$S/bg16.csv"
{ head -n 1 "$DATA/shap16/X.csv"; sed -n 102,201p "$DATA/shap16/X.csv"; } >"$S/x16.csv"
# a logistic model over x0..x19: coef_j = 0.8 sin(1.7 j + 0.3) (6 decimals), intercept -0.25
awk 'BEGIN {
    printf "{\"fairaudit_model\": \"linear\", \"link\": \"logistic\", \"intercept\": -0.25,\n"
    printf " \"feature_names\": ["
    for (j = 0; j < 20; j++) printf "%s\"x%d\"", (j ? ", " : ""), j
    printf "],\n \"coef\": ["
    for (j = 0; j < 20; j++) printf "%s%.6f", (j ? ", " : ""), 0.8 * sin(1.7 * j + 0.3)
    printf "]}\n"
}' >"$S/linear.json"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fairaudit-shap-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$S/last-run.log
: >"$LOG"

# Runs "$@" once; prints "wall_s rss_mb cpu_s". Fails the script when the command fails.
measure() {
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    "$TIME" -f '%e %M %U %S' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    t1=$EPOCHREALTIME
    if [ $rc -ne 0 ]; then
        cat "$WORK/err" >&2
        die "exit $rc: $*"
    fi
    echo "$* : $(tail -n 1 "$WORK/time")" >>"$LOG"
    tail -n 1 "$WORK/time" | awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.0f %.2f\n", b - a, $2 / 1024, $3 + $4 }'
}

# The "wall rss cpu" line of the run with the median wall, of the lines on stdin.
median() {
    sort -g | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

# "max_abs rms" of A.csv against REF.csv (all values, base column included).
errors() {
    awk -F, 'NR == FNR { if (FNR > 1) for (i = 1; i <= NF; i++) r[FNR, i] = $i; next }
        FNR > 1 { for (i = 1; i <= NF; i++) { d = $i - r[FNR, i]; if (d < 0) d = -d;
                  if (d > mx) mx = d; ss += d * d; n++ } }
        END { printf "%.2e %.2e\n", mx, sqrt(ss / n) }' "$2" "$1"
}

# run NAME ARGS...: median of RUNS, the values written to WORK/NAME.csv; sets the row.
declare -A WALL RSS CPU
run() {
    local name=$1
    shift
    for _ in $(seq "$RUNS"); do
        measure "$BIN" explain "$@" --quiet --out "$WORK/$name.csv"
    done | median >"$WORK/m"
    read -r WALL[$name] RSS[$name] CPU[$name] <"$WORK/m"
}

XG=(--model "$P/model.json" --data "$S/x.csv" --background "$S/bg.csv")
LI=(--model "$S/linear.json" --data "$S/x.csv" --background "$S/bg.csv")
for t in 1 2; do
    run "kernel_xgb_$t" --method kernel "${XG[@]}" --nsamples 2048 --seed 1 --threads $t
    run "kernel_lin_$t" --method kernel "${LI[@]}" --nsamples 2048 --seed 1 --threads $t
    run "kernel_linp_$t" --method kernel "${LI[@]}" --nsamples 2048 --seed 1 --threads $t \
        --output probability
done
cmp -s "$WORK/kernel_xgb_1.csv" "$WORK/kernel_xgb_2.csv" || die "kernel: 1 and 2 threads differ"
RUNS_SAVED=$RUNS
RUNS=1
run ref_xgb --method tree "${XG[@]}" --threads 2
run ref_lin --method linear "${LI[@]}"
RUNS=$RUNS_SAVED
read -r KX_MAX KX_RMS < <(errors "$WORK/kernel_xgb_2.csv" "$WORK/ref_xgb.csv")
read -r KL_MAX KL_RMS < <(errors "$WORK/kernel_lin_2.csv" "$WORK/ref_lin.csv")

SAMPLING_ROWS=()
SAME=""
for b in 32 64 128 256; do
    run "sampling_$b" --method sampling "${XG[@]}" --nsamples $b --seed 1 --threads 2
    read -r mx rms < <(errors "$WORK/sampling_$b.csv" "$WORK/ref_xgb.csv")
    SAMPLING_ROWS+=("$b $mx $rms")
    if [ -z "$SAME" ] && awk -v a="$rms" -v b="$KX_RMS" 'BEGIN { exit !(a <= b) }'; then
        SAME=$b
    fi
done

run exact16 --method exact --model "$DATA/shap16/model.json" --data "$S/x16.csv" \
    --background "$S/bg16.csv" --rows "$EXACT_ROWS" --threads 2

# --- TreeSHAP: bench/treeshap_bench.sh runs at the end, with its own table.

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
{
    echo "Shapley estimators: 100 rows, 100 background rows, 20 features; whole process, median"
    echo "of $RUNS; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%-44s %8s %8s %7s %10s %9s %9s\n' run "wall s" "cpu s" "RSS MB" "vs SHAP" \
        "max err" "rms err"
    for t in 1 2; do
        printf '%-44s %8.2f %8.2f %7s %10s %9s %9s\n' "kernel xgboost (margin), $t thread(s)" \
            "${WALL[kernel_xgb_$t]}" "${CPU[kernel_xgb_$t]}" "${RSS[kernel_xgb_$t]}" \
            "$(ratio $SHAP_KERNEL_WALL "${WALL[kernel_xgb_$t]}")" "$KX_MAX" "$KX_RMS"
    done
    for t in 1 2; do
        printf '%-44s %8.2f %8.2f %7s %10s %9s %9s\n' "kernel linear (margin), $t thread(s)" \
            "${WALL[kernel_lin_$t]}" "${CPU[kernel_lin_$t]}" "${RSS[kernel_lin_$t]}" \
            "$(ratio $SHAP_KERNEL_WALL "${WALL[kernel_lin_$t]}")" "$KL_MAX" "$KL_RMS"
    done
    for t in 1 2; do
        printf '%-44s %8.2f %8.2f %7s %10s %9s %9s\n' \
            "kernel linear (probability, predicted), $t" "${WALL[kernel_linp_$t]}" \
            "${CPU[kernel_linp_$t]}" "${RSS[kernel_linp_$t]}" \
            "$(ratio $SHAP_KERNEL_WALL "${WALL[kernel_linp_$t]}")" "-" "-"
    done
    for row in "${SAMPLING_ROWS[@]}"; do
        read -r b mx rms <<<"$row"
        mark=""
        [ "$b" = "$SAME" ] && mark=" *"
        printf '%-44s %8.2f %8.2f %7s %10s %9s %9s\n' \
            "sampling xgboost, $b permutations, 2 thr$mark" "${WALL[sampling_$b]}" \
            "${CPU[sampling_$b]}" "${RSS[sampling_$b]}" \
            "$(ratio $SHAP_KERNEL_WALL "${WALL[sampling_$b]}")" "$mx" "$rms"
    done
    printf '%-44s %8.2f %8.2f %7s\n' "exact M = 16, $EXACT_ROWS rows, 2 threads" \
        "${WALL[exact16]}" "${CPU[exact16]}" "${RSS[exact16]}"
    printf '%-44s %8.2f\n' "reference: interventional TreeSHAP, 2 thr" "${WALL[ref_xgb]}"
    echo
    echo "SHAP KernelExplainer on the same work: $SHAP_KERNEL_WALL s (../shared/golden/README.md)."
    echo "Errors are against the exact interventional values (TreeSHAP --background for"
    echo "XGBoost, the closed form for the linear model); * = the first sampling budget whose"
    echo "rms error is at most kernel's. Kernel's values are the same bytes with 1 and 2 threads."
} | tee "$S/last-run.txt"

# TreeSHAP, 1e4 rows x 20 features, 100 trees of depth 6: path-dependent against XGBoost's own
# pred_contribs at 1 and 2 threads, interventional (100 background rows) against SHAP's 37.8 s
echo
"$HERE/treeshap_bench.sh" "$O"
