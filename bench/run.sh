#!/bin/bash
# bench/run.sh BUILD_DIR - time fairaudit's audit against `wc -l` and the peers' figures.
#
#   bench/run.sh build/release          (what `make bench` runs)
#
# For each size N (default 1e6 and 1e7 rows) it makes the prediction file
# build/bench/pred_<N>.csv with BUILD_DIR/bench/gen_pred (reused when it exists: gen_pred writes
# under a temporary name and renames, so an existing file is complete), then runs, RUNS times
# each (default 3), `wc -l FILE` and
#   BUILD_DIR/fairaudit audit FILE --label label --pred pred --score score \
#       --group group,group2 --intersect --quiet --json OUT.json
# under /usr/bin/time -f '%e %M', and prints the medians: wall seconds, rows/s, MB/s, peak RSS,
# the ratio to `wc -l` (the floor for one pass over the file) and the ratios to the peers'
# figures of ../shared/golden/README.md ("Peer timings on this machine"). If
# `fairaudit audit --help` mentions --bootstrap, it also runs RUNS times per size with
# --bootstrap 1000 (the median, and what it adds to the plain audit) and compares with the
# peers' bootstrap figures; if it mentions --score-metrics, RUNS runs with --score-metrics too.
#
# Wall time is taken from bash's EPOCHREALTIME around the process (millisecond resolution;
# /usr/bin/time's %e has only 10 ms, too coarse for `wc -l` on 17 MB); %e is kept in the log.
# The files are read from the page cache: gen_pred has just written them, or the first `wc -l`
# run reads them in. The table is also written to build/bench/last-run.txt.
#
# Environment: FA_BENCH_SIZES (default "1e6 1e7"), FA_BENCH_RUNS (default 3),
# FA_BENCH_DATA (default build/bench).
set -euo pipefail
export LC_ALL=C

die() {
    echo "bench/run.sh: $*" >&2
    exit 1
}

[ $# -eq 1 ] || { echo "usage: bench/run.sh BUILD_DIR   (e.g. build/release)" >&2; exit 2; }
O=${1%/}
BIN=$O/fairaudit
GEN=$O/bench/gen_pred
DATA=${FA_BENCH_DATA:-build/bench}
SIZES=${FA_BENCH_SIZES:-"1e6 1e7"}
RUNS=${FA_BENCH_RUNS:-3}
TIME=/usr/bin/time

[ -d "$O" ] || die "no build directory '$O'; build first: make BUILD=release"
[ -x "$BIN" ] || die "'$BIN' is missing or not executable; build it first: make BUILD=release"
[ -x "$GEN" ] || die "'$GEN' is missing; build it first: make BUILD=release $GEN"
[ -x "$TIME" ] || die "$TIME (GNU time) is missing; install the Debian package 'time'"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (EPOCHREALTIME)"
case $RUNS in '' | *[!0-9]* | 0) die "FA_BENCH_RUNS must be a positive integer, got '$RUNS'" ;; esac

mkdir -p "$DATA"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fairaudit-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$DATA/last-run.log
: >"$LOG"

# Peer figures (wall s, peak RSS MB) from ../shared/golden/README.md, keyed by rows.
peer() { # $1 = peer name, $2 = rows -> "wall rss" or "" when not measured at that size
    case "$1:$2" in
    fairlearn:100000) echo "13.6 162" ;;
    aif360:100000) echo "2.35 188" ;;
    fairlearn_boot:100000) echo "414 167" ;;
    pandas_boot:100000) echo "16.0 76" ;;
    fairlearn:1000000) echo "134 466" ;;
    fairlearn:10000000) echo "1557 3349" ;;
    aif360:1000000) echo "5.62 471" ;;
    aif360:10000000) echo "47.6 3111" ;;
    fairlearn_boot:1000000) echo "6890 484" ;;  # 25 replicates measured, scaled to 1000
    pandas_boot:1000000) echo "2480 141" ;;     # 62 s for 25 replicates, scaled to 1000
    *) echo "" ;;
    esac
}

# measure OUTVAR OKSTATUSES CMD...: runs CMD once under /usr/bin/time; sets OUTVAR to
# "wall_s rss_kb". Any exit status not in OKSTATUSES (a space-separated list) is fatal.
measure() {
    local __out=$1 ok=$2
    shift 2
    local t0 t1 rc=0 last
    t0=$EPOCHREALTIME
    "$TIME" -f '%e %M' -o "$WORK/time" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    t1=$EPOCHREALTIME
    case " $ok " in
    *" $rc "*) ;;
    *)
        echo "bench/run.sh: command failed with exit status $rc: $*" >&2
        sed 's/^/  | /' "$WORK/stderr" | head -20 >&2
        exit 1
        ;;
    esac
    # GNU time writes "Command exited with non-zero status N" first when N != 0.
    last=$(tail -n 1 "$WORK/time")
    echo "$* -> status $rc, time: $last" >>"$LOG"
    printf -v "$__out" '%s %s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
        "${last#* }"
}

# median_of FIELD VALUES...: the median (the lower middle for an even count) of one field.
median_of() {
    local field=$1
    shift
    printf '%s\n' "$@" | awk -v f="$field" '{ print $f }' | sort -g |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

ratio() { # ratio A B -> A / B with 2 significant decimals, "-" when either is missing or 0
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || a + 0 == 0 || b + 0 == 0) { print "-"; exit }
        r = a / b; if (r >= 100) printf "%.0f", r; else if (r >= 10) printf "%.1f", r;
        else printf "%.2f", r }'
}

version=$("$BIN" --version 2>/dev/null | head -n 1 || true)
help=$("$BIN" audit --help 2>&1 || true)
bootstrap=0 no_boot=""
case $help in *--bootstrap*) bootstrap=1 no_boot="--bootstrap 0" ;; esac

{
    echo "fairaudit benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), ${version:-fairaudit (no --version)}"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)," \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "median of $RUNS runs; MB = 1e6 bytes; RSS in MB of 2^20 bytes, as /usr/bin/time reports KiB"
    echo "speedup = peer wall / fairaudit wall; memory = peer RSS / fairaudit RSS (higher is better)"
    echo
} | tee "$DATA/last-run.txt"

rows_of() { awk -v s="$1" 'BEGIN { printf "%d", s + 0 }'; }

table_header() {
    printf '%-9s %7s %9s %10s %8s %8s %7s %7s | %9s %7s | %9s %7s\n' "$@"
}
table_header rows MB wall_s rows/s MB/s RSS_MB wc_s x_wc fl_speed fl_mem aif_speed aif_mem |
    tee -a "$DATA/last-run.txt"

boot_lines=() score_lines=() pdf_lines=()
score=0
case $help in *--score-metrics*) score=1 ;; esac
for size in $SIZES; do
    rows=$(rows_of "$size")
    [ "$rows" -gt 0 ] || die "bad size '$size' in FA_BENCH_SIZES"
    file=$DATA/pred_$size.csv
    if [ ! -s "$file" ]; then
        echo "generating $file ($rows rows)" >&2
        "$GEN" "$rows" "$file" || die "gen_pred failed for $file"
    fi
    lines=$(wc -l <"$file")
    [ "$lines" -eq $((rows + 1)) ] || die "$file has $lines lines, expected $((rows + 1)); delete it"
    bytes=$(stat -L -c %s "$file")

    wc_runs=() fa_runs=()
    for _ in $(seq "$RUNS"); do
        measure m "0" wc -l "$file"
        wc_runs+=("$m")
    done
    for _ in $(seq "$RUNS"); do
        # the peers' work: rates and disparities, no resampling (the bootstrap is timed below)
        # shellcheck disable=SC2086
        measure m "0 1 4" "$BIN" audit "$file" --label label --pred pred --score score \
            --group group,group2 --intersect --quiet --json "$WORK/x.json" $no_boot
        [ -s "$WORK/x.json" ] || die "fairaudit wrote no JSON for $file"
        fa_runs+=("$m")
    done
    wc_wall=$(median_of 1 "${wc_runs[@]}")
    wall=$(median_of 1 "${fa_runs[@]}")
    rss_kb=$(median_of 2 "${fa_runs[@]}")

    read -r fl_wall fl_rss <<<"$(peer fairlearn "$rows")" || true
    read -r aif_wall aif_rss <<<"$(peer aif360 "$rows")" || true
    rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    awk -v r="$rows" -v b="$bytes" -v w="$wall" -v m="$rss_mb" -v wc="$wc_wall" \
        -v x="$(ratio "$wall" "$wc_wall")" \
        -v fs="$(ratio "${fl_wall:-}" "$wall")" -v fm="$(ratio "${fl_rss:-}" "$rss_mb")" \
        -v as="$(ratio "${aif_wall:-}" "$wall")" -v am="$(ratio "${aif_rss:-}" "$rss_mb")" \
        'BEGIN {
            rs = (w > 0) ? sprintf("%.3g", r / w) : "-"; ms = (w > 0) ? sprintf("%.0f", b / 1e6 / w) : "-"
            printf "%-9d %7.1f %9.3f %10s %8s %8s %7.3f %7s | %9s %7s | %9s %7s\n",
                r, b / 1e6, w, rs, ms, m, wc, x, fs, fm, as, am }' | tee -a "$DATA/last-run.txt"
    unset fl_wall fl_rss aif_wall aif_rss

    if [ "$score" -eq 1 ]; then
        # the same audit with the exact score metrics and per-group sweeps (no bootstrap)
        sc_runs=()
        for _ in $(seq "$RUNS"); do
            # shellcheck disable=SC2086
            measure m "0 1 4" "$BIN" audit "$file" --label label --pred pred --score score \
                --group group,group2 --intersect --quiet --json "$WORK/x.json" $no_boot \
                --score-metrics
            sc_runs+=("$m")
        done
        sw=$(median_of 1 "${sc_runs[@]}")
        srss=$(median_of 2 "${sc_runs[@]}")
        score_lines+=("$(printf '%-9d %9.3f %9.3f %8.1f' "$rows" "$sw" \
            "$(awk -v a="$sw" -v b="$wall" 'BEGIN { print a - b }')" \
            "$(awk -v k="$srss" 'BEGIN { print k / 1024 }')")")
    fi

    if [ "$bootstrap" -eq 1 ]; then
        b_runs=()
        for _ in $(seq "$RUNS"); do
            measure m "0 1 4" "$BIN" audit "$file" --label label --pred pred --score score \
                --group group,group2 --intersect --quiet --json "$WORK/x.json" --bootstrap 1000
            b_runs+=("$m")
        done
        bw=$(median_of 1 "${b_runs[@]}")
        brss=$(median_of 2 "${b_runs[@]}")
        read -r flb_wall flb_rss <<<"$(peer fairlearn_boot "$rows")" || true
        read -r pdb_wall pdb_rss <<<"$(peer pandas_boot "$rows")" || true
        boot_lines+=("$(printf '%-9d %9.3f %9.3f %8.1f %9s %7s | %9s %7s' "$rows" "$bw" \
            "$(awk -v a="$bw" -v b="$wall" 'BEGIN { print a - b }')" \
            "$(awk -v k="$brss" 'BEGIN { print k / 1024 }')" \
            "$(ratio "${flb_wall:-}" "$bw")" \
            "$(ratio "${flb_rss:-}" "$(awk -v k="$brss" 'BEGIN { print k / 1024 }')")" \
            "$(ratio "${pdb_wall:-}" "$bw")" \
            "$(ratio "${pdb_rss:-}" "$(awk -v k="$brss" 'BEGIN { print k / 1024 }')")")")
        unset flb_wall flb_rss pdb_wall pdb_rss
    fi

    # the same audit (default bootstrap) with the PDF report, which also hashes the input
    p_runs=()
    for _ in $(seq "$RUNS"); do
        measure m "0 1 4" "$BIN" audit "$file" --label label --pred pred --score score \
            --group group,group2 --intersect --quiet --json "$WORK/x.json" --pdf "$WORK/x.pdf"
        p_runs+=("$m")
    done
    pdf_lines+=("$(printf '%-9d %9.3f %8.1f %9s' "$rows" "$(median_of 1 "${p_runs[@]}")" \
        "$(awk -v k="$(median_of 2 "${p_runs[@]}")" 'BEGIN { print k / 1024 }')" \
        "$(pdfinfo "$WORK/x.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')")")
done

{
    echo
    echo "wc_s: median wall of 'wc -l FILE'; x_wc = wall_s / wc_s"
    echo "peers (../shared/golden/README.md, same rates by group, group2 and their intersection):"
    echo "  fairlearn MetricFrame 13.6 s / 162 MB at 1e5, 134 s / 466 MB at 1e6, 1557 s / 3349 MB at 1e7"
    echo "  AIF360 ClassificationMetric 2.35 s / 188 MB at 1e5, 5.62 s / 471 MB at 1e6, 47.6 s / 3111 MB at 1e7"
    if [ "$bootstrap" -eq 1 ]; then
        echo
        echo "--bootstrap 1000, median of $RUNS runs; added_s = wall_s - the plain audit's wall."
        echo "Peers: fairlearn MetricFrame n_boot=1000 414 s / 167 MB"
        echo "at 1e5, ~6890 s / 484 MB at 1e6; pandas row-resampling loop (demographic-parity"
        echo "difference only) 16.0 s / 76 MB at 1e5, ~2480 s / 141 MB at 1e6 (1e6: 25 replicates, scaled)"
        printf '%-9s %9s %9s %8s %9s %7s | %9s %7s\n' rows wall_s added_s RSS_MB fl_speed fl_mem \
            pd_speed pd_mem
        printf '%s\n' "${boot_lines[@]}"
    else
        echo "bootstrap: skipped ('$BIN audit --help' does not mention --bootstrap)"
    fi
    if [ "$score" -eq 1 ]; then
        echo
        echo "--score-metrics (exact ROC AUC, average precision, Brier, log loss, calibration and"
        echo "a 101-threshold sweep per group; ~1e6 distinct scores), median of $RUNS runs:"
        printf '%-9s %9s %9s %8s\n' rows wall_s added_s RSS_MB
        printf '%s\n' "${score_lines[@]}"
    fi
    echo
    echo "--json and --pdf (the report; SHA-256 of the input), default bootstrap, median of $RUNS runs:"
    printf '%-9s %9s %8s %9s\n' rows wall_s RSS_MB pdf_pages
    printf '%s\n' "${pdf_lines[@]}"
} | tee -a "$DATA/last-run.txt"
