#!/bin/bash
# The catalogue of bad inputs: every file under tests/bad/ (and every generator under
# tests/bad/gen/) is fed to the reader it targets; the exit status and the whole of stderr
# must be exactly as MANIFEST.tsv says, and a failed run must leave no output file behind.
#
#   tests/bad/run.sh BUILD_DIR            e.g. tests/bad/run.sh build/debug
#   UPDATE=1 tests/bad/run.sh BUILD_DIR   rewrite the expected status and line from the actual
#
# MANIFEST.tsv, one input per line, tab-separated: file, reader, status, expected stderr.
#   file     a file in tests/bad/, or gen/NAME.EXT: made by gen/NAME.sh into a temporary
#            directory (inputs too large or too odd to keep in git)
#   reader   csv | csvscore | csvweight | policy | xgb | linear | features | result
#   stderr   one line; @F@ stands for the input's path. Empty: nothing on stderr.
# Prints "ok NAME" or "FAIL NAME" with the difference, then "bad: N passed, N failed, N skipped".
set -u
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-build/debug}/fairaudit
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac
cd "$root" || exit 2
[ -x "$bin" ] || { echo "tests/bad/run.sh: no binary $bin" >&2; exit 2; }
wrap=${FA_CLI_WRAPPER:-}
export FAIRAUDIT_BIN="$bin" # for the generators that start from a real result
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
manifest=tests/bad/MANIFEST.tsv
new_manifest="$tmp/manifest.new"

run_reader() { # reader, input, output file
    local r=$1 f=$2 out=$3
    case $r in
    csv) $wrap "$bin" audit "$f" --label label --pred pred --group race --json "$out" ;;
    csvscore) $wrap "$bin" audit "$f" --label label --pred pred --score score --score-metrics \
        --group race --json "$out" ;;
    csvweight) $wrap "$bin" audit "$f" --label label --pred pred --group race --weight w \
        --json "$out" ;;
    policy) $wrap "$bin" policy check "$f" ;;
    xgb) $wrap "$bin" explain --method permutation --model "$f" \
        --data tests/bad/data/xgb_features.csv --label y --repeats 1 --json "$out" ;;
    linear) $wrap "$bin" explain --method permutation --model "$f" \
        --data tests/bad/data/linear_features.csv --label y --repeats 1 --json "$out" ;;
    features) $wrap "$bin" explain --method permutation --model tests/data/models/tiny_linear.json \
        --data "$f" --label y --repeats 1 --json "$out" ;;
    result) $wrap "$bin" report "$f" --json "$out" ;;
    *) echo "unknown reader $r" >&2; return 99 ;;
    esac
}

while IFS=$'\t' read -r file reader want_status want_err || [ -n "$file" ]; do
    case $file in '' | '#'*) printf '%s\n' "$file${reader:+	$reader	$want_status	$want_err}" >>"$new_manifest"; continue ;; esac
    name=${file#gen/}
    case $file in
    gen/*)
        input="$tmp/$name"
        if ! bash "tests/bad/${file%.*}.sh" "$input" 2>"$tmp/gen.err"; then
            echo "skip $name: generator failed: $(head -c 200 "$tmp/gen.err")"
            skip=$((skip + 1))
            printf '%s\t%s\t%s\t%s\n' "$file" "$reader" "$want_status" "$want_err" >>"$new_manifest"
            continue
        fi ;;
    *) input="tests/bad/$file" ;;
    esac
    out="$tmp/out.$name"
    rm -f "$out"
    run_reader "$reader" "$input" "$out" >/dev/null 2>"$tmp/err" </dev/null
    status=$?
    got_err=$(sed "s#$input#@F@#g" "$tmp/err")
    if [ -n "${UPDATE:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$file" "$reader" "$status" "$(printf '%s' "$got_err" | head -1)" >>"$new_manifest"
        [ "$(printf '%s\n' "$got_err" | wc -l)" -le 1 ] || echo "note $name: more than one line on stderr"
        continue
    fi
    problem=""
    [ "$status" = "$want_status" ] || problem="exit status $status, expected $want_status"
    [ "$got_err" = "$want_err" ] || problem="${problem:+$problem; }stderr differs:
  got:      $got_err
  expected: $want_err"
    if [ "$status" != 0 ] && [ -e "$out" ]; then
        problem="${problem:+$problem; }a failed run left $out"
    fi
    if [ -z "$problem" ]; then
        echo "ok bad/$name"
        pass=$((pass + 1))
    else
        echo "FAIL bad/$name: $problem"
        fail=$((fail + 1))
    fi
done <"$manifest"
[ -n "${UPDATE:-}" ] && cp "$new_manifest" "$manifest" && echo "rewrote $manifest"
echo "bad: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
