#!/bin/bash
# bench/perm_bench.sh [BUILD_DIR] - permutation importance, fairaudit against scikit-learn.
#
#   bench/perm_bench.sh build/release
#
# The work of ../shared/golden/README.md's peer figure ("permutation importance, 1e5 rows x 20
# features, 10 repeats": scikit-learn, 48.3 s, 192 MB): a 100-tree depth-6 XGBoost model over
# 20 features, accuracy, 10 repeats, on 1e5 rows. bench/perm_peer.py makes the data and the
# model once (DATA/X.csv, DATA/y.csv, DATA/model.json, reused when all three exist; needs
# Debian's python3-xgboost and python3-sklearn), then RUNS times each (median kept):
#
#   BUILD_DIR/fairaudit explain --method permutation --model model.json --data X.csv \
#       --labels-file y.csv --label y --repeats 10 --seed 42 --threads T --quiet --json OUT
#   perm_peer.py sklearn DATA J 10 OUT     (permutation_importance(n_jobs=J), XGBoost n_jobs=1)
#
# for T and J in 1 and 2, interleaved run by run, as whole processes (reading the CSV, loading
# the model, computing, writing), wall time from bash's EPOCHREALTIME and peak RSS from GNU
# time (%M; for n_jobs=2 that is the parent process only, joblib's workers are separate
# processes). It prints the table with the ratios, checks that fairaudit's JSON is the same
# bytes with 1 and 2 threads, and compares the two tools' importances feature by feature
# (|difference| in combined standard errors, as the golden README's tolerance).
#
# Environment: FA_BENCH_RUNS (default 3), FA_BENCH_PEER_RUNS (default FA_BENCH_RUNS; the peer
# takes about 50 s a run), FA_BENCH_DATA (default build/bench; the files go to DATA/perm),
# FA_BENCH_PYTHON (default /usr/bin/python3, Debian's, which has the packages).
set -euo pipefail
export LC_ALL=C

die() {
    echo "bench/perm_bench.sh: $*" >&2
    exit 1
}

O=${1:-build/release}
O=${O%/}
BIN=$O/fairaudit
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${FA_BENCH_PYTHON:-/usr/bin/python3}
DATA=${FA_BENCH_DATA:-build/bench}/perm
RUNS=${FA_BENCH_RUNS:-3}
PEER_RUNS=${FA_BENCH_PEER_RUNS:-$RUNS}
REPEATS=10
ROWS=100000
TIME=/usr/bin/time
PEER_README_WALL=48.3 # ../shared/golden/README.md, "Peer timings on this machine"

[ -x "$BIN" ] || die "'$BIN' is missing; build it first: make BUILD=release"
[ -x "$TIME" ] || die "$TIME (GNU time) is missing; install the Debian package 'time'"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
"$PY" -c 'import sklearn, xgboost' 2>/dev/null ||
    die "$PY lacks scikit-learn or xgboost: apt-get install python3-sklearn python3-xgboost"
for n in "$RUNS" "$PEER_RUNS"; do
    case $n in '' | *[!0-9]* | 0) die "run counts must be positive integers, got '$n'" ;; esac
done
"$BIN" explain --help >/dev/null 2>&1 || die "'$BIN' has no 'explain' command"

mkdir -p "$DATA"
if [ ! -s "$DATA/X.csv" ] || [ ! -s "$DATA/y.csv" ] || [ ! -s "$DATA/model.json" ]; then
    echo "making $DATA/{X.csv,y.csv,model.json} (1e5 x 20, 100 trees of depth 6) ..." >&2
    "$PY" "$HERE/perm_peer.py" gen "$DATA" "$ROWS" 20
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fairaudit-perm-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$DATA/last-run.log
: >"$LOG"

# Runs "$@" once; prints "wall_s rss_mb cpu_s" (cpu = user + system, of the process and its
# waited-for children). Fails the script when the command fails.
measure() {
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    "$TIME" -f '%e %M %U %S' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    t1=$EPOCHREALTIME
    if [ $rc -ne 0 ]; then
        cat "$WORK/err" >&2
        die "exit $rc: $*"
    fi
    echo "$* : $(tail -n 1 "$WORK/time") ; $(grep -v warning "$WORK/err" | tr '\n' ' ')" >>"$LOG"
    tail -n 1 "$WORK/time" | awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.0f %.2f\n", b - a, $2 / 1024, $3 + $4 }'
}

# The "wall rss cpu" line of the run with the median wall, of the lines on stdin.
median() {
    sort -g | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

# Interleaved (round r: fairaudit 1 and 2 threads, then scikit-learn 1 and 2 jobs), so that a
# change in the machine's load during the benchmark hits both tools alike.
declare -A WALL RSS CPU
: >"$WORK/fa_1.t"
: >"$WORK/fa_2.t"
: >"$WORK/sk_1.t"
: >"$WORK/sk_2.t"
for r in $(seq "$(( RUNS > PEER_RUNS ? RUNS : PEER_RUNS ))"); do
    for t in 1 2; do
        [ "$r" -le "$RUNS" ] || continue
        measure "$BIN" explain --method permutation --model "$DATA/model.json" \
            --data "$DATA/X.csv" --labels-file "$DATA/y.csv" --label y --repeats $REPEATS \
            --seed 42 --threads "$t" --quiet --json "$WORK/fa_$t.json" >>"$WORK/fa_$t.t"
    done
    for j in 1 2; do
        [ "$r" -le "$PEER_RUNS" ] || continue
        measure "$PY" "$HERE/perm_peer.py" sklearn "$DATA" "$j" $REPEATS "$WORK/sk_$j.json" \
            >>"$WORK/sk_$j.t"
    done
done
for k in fa1 fa2 sk1 sk2; do
    median <"$WORK/${k:0:2}_${k:2}.t" >"$WORK/m"
    read -r WALL[$k] RSS[$k] CPU[$k] <"$WORK/m"
done

same=no
cmp -s "$WORK/fa_1.json" "$WORK/fa_2.json" && same=yes

{
    echo "permutation importance: 1e5 rows x 20 features, XGBoost 100 trees depth 6, accuracy,"
    echo "$REPEATS repeats; whole process, median of $RUNS (fairaudit) / $PEER_RUNS (scikit-learn)"
    echo
    printf '%-40s %8s %8s %8s %11s %10s\n' "run" "wall s" "cpu s" "RSS MB" "vs sklearn" \
        "vs 48.3 s"
    for t in 1 2; do
        printf '%-40s %8.2f %8.2f %8s %10.2fx %9.2fx\n' "fairaudit --threads $t" \
            "${WALL[fa$t]}" "${CPU[fa$t]}" "${RSS[fa$t]}" \
            "$(awk -v a="${WALL[sk$t]}" -v b="${WALL[fa$t]}" 'BEGIN{print a/b}')" \
            "$(awk -v a=$PEER_README_WALL -v b="${WALL[fa$t]}" 'BEGIN{print a/b}')"
    done
    for j in 1 2; do
        printf '%-40s %8.2f %8.2f %8s %11s %9.2fx\n' "sklearn permutation_importance n_jobs=$j" \
            "${WALL[sk$j]}" "${CPU[sk$j]}" "${RSS[sk$j]}" "1.00x" \
            "$(awk -v a=$PEER_README_WALL -v b="${WALL[sk$j]}" 'BEGIN{print a/b}')"
    done
    echo "(ratios: > 1 means fairaudit is faster; sklearn's n_jobs=2 RSS is the parent only)"
    echo "load average when done: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "fairaudit speed-up from 1 to 2 threads: $(awk -v a="${WALL[fa1]}" -v b="${WALL[fa2]}" \
        'BEGIN{printf "%.2fx", a/b}'); sklearn from n_jobs 1 to 2: $(awk -v a="${WALL[sk1]}" \
        -v b="${WALL[sk2]}" 'BEGIN{printf "%.2fx", a/b}')"
    echo "fairaudit JSON identical with 1 and 2 threads: $same"
    "$PY" - "$WORK/fa_1.json" "$WORK/sk_1.json" $REPEATS $ROWS <<'EOF'
import json, math, sys
fa, sk = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
r, n = int(sys.argv[3]), int(sys.argv[4])
theirs = {e["feature"]: e for e in sk["importances"]}
worst, outside = 0.0, 0
for e in fa["importances"]:
    t = theirs[e["feature"]]
    se = math.sqrt((e["std"] ** 2 + t["std"] ** 2) / r)
    gap = abs(e["mean"] - t["mean"])
    outside += gap > 3 * se + 1.0 / n
    worst = max(worst, gap / se if se > 0 else (0.0 if gap == 0 else math.inf))
print("baseline accuracy: fairaudit %.6f, sklearn %.6f; importances: %d of %d within 3 "
      "combined standard errors + 1/n, worst %.2f SE"
      % (fa["baseline"], sk["baseline"], len(fa["importances"]) - outside,
         len(fa["importances"]), worst))
EOF
} | tee "$DATA/last-run.txt"
