#!/bin/bash
# Runs every test of a build directory and ends with one line: "N passed, N failed, N skipped".
#   scripts/run-tests.sh build/release
# Unit tests (cmocka, one binary per module) run from the repository root, so they find
# fixtures/ and ../shared. Then the API example and the CLI cases (tests/cli/run.sh).
set -u
O=${1:-build/release}
export LC_ALL=C
export FAIRAUDIT_BIN="$O/fairaudit"
pass=0 fail=0 skip=0
failed_names=()

count_cmocka() { # $1 = output file, $2 = name
    local p f s
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ "$f" -gt 0 ]; then failed_names+=("$2"); fi
}

for t in "$O"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$(mktemp)
    "$t" >"$out" 2>&1
    rc=$?
    cat "$out"
    count_cmocka "$out" "$name"
    if [ $rc -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$out"; then
        echo "[  CRASHED ] $name (exit $rc)"
        fail=$((fail + 1)); failed_names+=("$name")
    fi
    rm -f "$out"
done

# The CLI cases, then the catalogue of bad inputs: each prints "<tag>: N passed, N failed,
# N skipped" as its last line.
run_suite() { # $1 = script, $2 = tag
    local out p f s
    out=$(mktemp)
    "$1" "$O" >"$out" 2>&1
    cat "$out"
    p=$(sed -n "s/^$2: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\1/p" "$out")
    f=$(sed -n "s/^$2: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\2/p" "$out")
    s=$(sed -n "s/^$2: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped\$/\3/p" "$out")
    if [ -z "$p" ]; then
        echo "[  CRASHED ] $1 printed no summary"
        fail=$((fail + 1)); failed_names+=("$2")
    else
        pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
        [ "$f" -gt 0 ] && failed_names+=("$2")
    fi
    rm -f "$out"
}
[ -x tests/cli/run.sh ] && run_suite tests/cli/run.sh cli
[ -x tests/bad/run.sh ] && run_suite tests/bad/run.sh bad

[ ${#failed_names[@]} -gt 0 ] && echo "failing: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
