#!/bin/bash
# bench/treeshap_bench.sh [BUILD_DIR] - TreeSHAP, fairaudit against XGBoost's own and SHAP's.
#
#   bench/treeshap_bench.sh build/release
#
# The work of issue 5, item 5, and of ../shared/golden/README.md's peer figures
# ("path-dependent TreeSHAP, 1e4 rows x 20 features": SHAP TreeExplainer 6.5 s, 4.3 s of it
# computing; "interventional TreeSHAP, same, 100 background rows": 37.8 s): a 100-tree depth-6
# XGBoost model over 20 features, 1e4 rows with 2% missing values. bench/treeshap_peer.py
# makes the data and the model once (DATA/X.csv, DATA/bg.csv, DATA/model.json, reused when all
# three exist; needs Debian's python3-xgboost), then RUNS times each (median kept):
#
#   BUILD_DIR/fairaudit explain --method tree --model model.json --data X.csv \
#       [--background bg.csv] --threads T --quiet --out OUT.csv
#   treeshap_peer.py contribs DATA T 1 OUT.csv   (Booster.predict(pred_contribs=True), nthread T)
#
# for T in 1 and 2, as whole processes (reading the CSV, loading the model, computing, writing
# the values), wall time from bash's EPOCHREALTIME, CPU time and peak RSS from GNU time; for
# XGBoost also the predict call alone (what it prints). SHAP is not installable here: its
# figures are the README's. The script checks that fairaudit's values are the same bytes with
# 1 and 2 threads, and that the path-dependent values match XGBoost's within 1e-6 + 1e-6 |v|
# (the golden README's tolerance for XGBoost's float32 arithmetic).
#
# Environment: FA_BENCH_RUNS (default 5), FA_BENCH_DATA (default build/bench; the files go to
# DATA/treeshap), FA_BENCH_PYTHON (default /usr/bin/python3, Debian's, which has xgboost).
set -euo pipefail
export LC_ALL=C

die() {
    echo "bench/treeshap_bench.sh: $*" >&2
    exit 1
}

O=${1:-build/release}
O=${O%/}
BIN=$O/fairaudit
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${FA_BENCH_PYTHON:-/usr/bin/python3}
DATA=${FA_BENCH_DATA:-build/bench}/treeshap
RUNS=${FA_BENCH_RUNS:-5}
TIME=/usr/bin/time
SHAP_PATH_WALL=6.5  # ../shared/golden/README.md, "Peer timings on this machine"
SHAP_PATH_CALL=4.3
SHAP_INT_WALL=37.8

[ -x "$BIN" ] || die "'$BIN' is missing; build it first: make BUILD=release"
[ -x "$TIME" ] || die "$TIME (GNU time) is missing; install the Debian package 'time'"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
"$PY" -c 'import xgboost' 2>/dev/null || die "$PY lacks xgboost: apt-get install python3-xgboost"
case $RUNS in '' | *[!0-9]* | 0) die "FA_BENCH_RUNS must be a positive integer, got '$RUNS'" ;; esac

mkdir -p "$DATA"
if [ ! -s "$DATA/X.csv" ] || [ ! -s "$DATA/bg.csv" ] || [ ! -s "$DATA/model.json" ]; then
    echo "making $DATA/{X.csv,bg.csv,model.json} (1e4 x 20, 100 trees of depth 6) ..." >&2
    "$PY" "$HERE/treeshap_peer.py" gen "$DATA" 10000 20 100
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fairaudit-treeshap-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$DATA/last-run.log
: >"$LOG"

# Runs "$@" once; prints "wall_s rss_mb cpu_s call_s" (call_s: the first number the command
# printed on stdout, or the wall time). Fails the script when the command fails.
measure() {
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    "$TIME" -f '%e %M %U %S' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    t1=$EPOCHREALTIME
    if [ $rc -ne 0 ]; then
        cat "$WORK/err" >&2
        die "exit $rc: $*"
    fi
    echo "$* : $(tail -n 1 "$WORK/time") ; $(head -c 200 "$WORK/out" | tr '\n' ' ')" >>"$LOG"
    tail -n 1 "$WORK/time" | awk -v a="$t0" -v b="$t1" -v c="$(awk 'NR == 1 { print $1 }' "$WORK/out")" \
        '{ w = b - a; printf "%.3f %.0f %.2f %.3f\n", w, $2 / 1024, $3 + $4, (c == "" ? w : c) }'
}

# The "wall rss cpu call" line of the run with the median wall, of the lines on stdin.
median() {
    sort -g | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

declare -A WALL RSS CPU CALL
run() { # key, then the command
    local key=$1
    shift
    for _ in $(seq "$RUNS"); do
        measure "$@"
    done | median >"$WORK/m"
    read -r WALL[$key] RSS[$key] CPU[$key] CALL[$key] <"$WORK/m"
}
for t in 1 2; do
    run fa$t "$BIN" explain --method tree --model "$DATA/model.json" --data "$DATA/X.csv" \
        --threads "$t" --quiet --out "$WORK/fa_$t.csv"
    run xgb$t "$PY" "$HERE/treeshap_peer.py" contribs "$DATA" "$t" 1 "$WORK/xgb_$t.csv"
    run int$t "$BIN" explain --method tree --model "$DATA/model.json" --data "$DATA/X.csv" \
        --background "$DATA/bg.csv" --threads "$t" --quiet --out "$WORK/int_$t.csv"
done

same=no
cmp -s "$WORK/fa_1.csv" "$WORK/fa_2.csv" && cmp -s "$WORK/int_1.csv" "$WORK/int_2.csv" && same=yes
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

{
    echo "TreeSHAP: 1e4 rows x 20 features, XGBoost 100 trees of depth 6; whole process, median"
    echo "of $RUNS runs (XGBoost: also its predict call alone)"
    echo
    printf '%-50s %8s %8s %8s %10s\n' "run" "wall s" "cpu s" "RSS MB" "call s"
    for t in 1 2; do
        printf '%-50s %8.2f %8.2f %8s %10s\n' "fairaudit path-dependent --threads $t" \
            "${WALL[fa$t]}" "${CPU[fa$t]}" "${RSS[fa$t]}" "-"
        printf '%-50s %8.2f %8.2f %8s %10.2f\n' "XGBoost pred_contribs nthread=$t" \
            "${WALL[xgb$t]}" "${CPU[xgb$t]}" "${RSS[xgb$t]}" "${CALL[xgb$t]}"
    done
    for t in 1 2; do
        printf '%-50s %8.2f %8.2f %8s %10s\n' "fairaudit interventional, 100 bg, --threads $t" \
            "${WALL[int$t]}" "${CPU[int$t]}" "${RSS[int$t]}" "-"
    done
    echo
    for t in 1 2; do
        echo "path-dependent, $t thread(s): fairaudit's whole process vs XGBoost's predict call" \
            "alone $(ratio "${CALL[xgb$t]}" "${WALL[fa$t]}"), vs its whole process" \
            "$(ratio "${WALL[xgb$t]}" "${WALL[fa$t]}"), vs SHAP's $SHAP_PATH_WALL s" \
            "$(ratio $SHAP_PATH_WALL "${WALL[fa$t]}")"
    done
    for t in 1 2; do
        echo "interventional, $t thread(s): vs SHAP's $SHAP_INT_WALL s" \
            "$(ratio $SHAP_INT_WALL "${WALL[int$t]}")"
    done
    echo "by CPU seconds at 1 thread (a quiet machine's wall; the fair comparison under load):" \
        "path-dependent vs XGBoost $(ratio "${CPU[xgb1]}" "${CPU[fa1]}"), vs SHAP" \
        "$(ratio $SHAP_PATH_WALL "${CPU[fa1]}"); interventional vs SHAP" \
        "$(ratio $SHAP_INT_WALL "${CPU[int1]}")"
    echo "(ratios > 1: fairaudit is faster; SHAP's figures are the README's, measured on this"
    echo "machine kind, SHAP $SHAP_PATH_CALL s of compute for path-dependent)"
    echo "load average when done: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "fairaudit values identical with 1 and 2 threads: $same"
    echo "path-dependent against XGBoost: $("$PY" "$HERE/treeshap_peer.py" compare \
        "$WORK/fa_1.csv" "$WORK/xgb_1.csv" || true)"
} | tee "$DATA/last-run.txt"
