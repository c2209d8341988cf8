#!/bin/bash
# CLI tests as data: runs every case folder tests/cli/<case>/ that has an `args` file.
#
#   tests/cli/run.sh BUILD_DIR           e.g. tests/cli/run.sh build/debug
#   UPDATE=1 tests/cli/run.sh BUILD_DIR  rewrite the expected files from the actual output
#   FA_CLI_WRAPPER='valgrind -q --error-exitcode=99' tests/cli/run.sh build/debug
#   tests/cli/run.sh BUILD_DIR CASE...   run only the named cases
#
# The binary is BUILD_DIR/fairaudit; without BUILD_DIR, $FAIRAUDIT_BIN (else build/debug).
# Each case runs from the repository root with LC_ALL=C and no standard input:
#   args             the arguments, one per line (so values may hold spaces); in them the token
#                    @TMP@ is a fresh empty temporary directory of the case, @SHARED@ the
#                    ../shared folder (a case that names @SHARED@ is skipped without it)
#   setup.sh         optional, run with bash before the command (to make big or odd input
#                    files in TMP), with TMP, SHARED and FAIRAUDIT_BIN exported
#   expected.out     stdout, compared with cmp; missing = must be empty
#   expected.err     stderr, compared with cmp; missing = must be empty
#   expected.status  the exit status; missing = 0
#   check.sh         optional, run with bash after the command, with TMP, SHARED,
#                    FAIRAUDIT_BIN, and STDOUT and STDERR (files holding the command's output)
#                    exported; the case fails if it exits non-zero
#   args.pending     instead of args: a case written for a behaviour the tool does not have
#                    yet; reported as skipped until args.pending is renamed to args
# Prints "ok CASE", "FAIL CASE" (with a short diff) or "skip CASE: reason", and ends with the
# line "cli: N passed, N failed, N skipped" that scripts/run-tests.sh reads. Exits 0 only if no
# case failed.
set -u
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -ge 1 ]; then
    bin="$1/fairaudit"
    shift
else
    bin=${FAIRAUDIT_BIN:-$root/build/debug/fairaudit}
fi
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac
cd "$root" || exit 2
if [ ! -x "$bin" ]; then
    echo "tests/cli/run.sh: no executable $bin (build it first: make BUILD=debug)" >&2
    echo "cli: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
shared=$(cd "$root/.." && pwd)/shared
wrapper=()
if [ -n "${FA_CLI_WRAPPER:-}" ]; then
    read -r -a wrapper <<<"$FA_CLI_WRAPPER"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fairaudit-cli.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

pass=0 fail=0 skip=0

# Shows how the actual output differs from the expected file, at most 20 lines.
show_diff() { # $1 = label, $2 = expected file (may be missing), $3 = actual file
    local exp=$2
    [ -f "$exp" ] || exp=/dev/null
    echo "  --- $1 (expected vs actual)"
    diff "$exp" "$3" | head -n 20 | sed 's/^/  /'
}

# Compares $2 (actual) with $1 (expected; missing = empty); with UPDATE=1 rewrites $1.
same_or_update() { # $1 = expected file, $2 = actual file
    if [ -n "${UPDATE:-}" ]; then
        if [ -s "$2" ]; then
            cp "$2" "$1"
        else
            rm -f "$1"
        fi
        return 0
    fi
    if [ -f "$1" ]; then
        cmp -s "$1" "$2"
    else
        [ ! -s "$2" ]
    fi
}

run_case() { # $1 = case directory
    local dir=$1 name tmp args=() line status want reasons=() out err
    name=$(basename "$dir")
    if grep -q '@SHARED@' "$dir/args" && [ ! -d "$shared" ]; then
        echo "skip $name: ../shared is absent"
        skip=$((skip + 1))
        return
    fi
    tmp="$work/$name"
    mkdir -p "$tmp/tmp" || return
    out="$tmp/stdout" err="$tmp/stderr"
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line//@TMP@/$tmp/tmp}
        line=${line//@SHARED@/$shared}
        args+=("$line")
    done <"$dir/args"

    if [ -f "$dir/setup.sh" ]; then
        if ! TMP="$tmp/tmp" SHARED="$shared" FAIRAUDIT_BIN="$bin" \
            bash "$dir/setup.sh" >"$tmp/setup.log" 2>&1; then
            echo "FAIL $name"
            echo "  setup.sh failed:"
            head -n 20 "$tmp/setup.log" | sed 's/^/  /'
            fail=$((fail + 1))
            return
        fi
    fi

    ${wrapper[@]+"${wrapper[@]}"} "$bin" ${args[@]+"${args[@]}"} >"$out" 2>"$err" </dev/null
    status=$?
    # Paths of the temporary directories vary: write them back as tokens before comparing.
    sed -i "s|$tmp/tmp|@TMP@|g; s|$shared|@SHARED@|g" "$out" "$err"

    same_or_update "$dir/expected.out" "$out" || reasons+=(stdout)
    same_or_update "$dir/expected.err" "$err" || reasons+=(stderr)
    if [ -n "${UPDATE:-}" ]; then
        if [ "$status" -ne 0 ]; then
            echo "$status" >"$dir/expected.status"
        else
            rm -f "$dir/expected.status"
        fi
    fi
    want=0
    [ -f "$dir/expected.status" ] && want=$(tr -d ' \n' <"$dir/expected.status")
    [ "$status" = "$want" ] || reasons+=("status $status, expected $want")

    if [ -f "$dir/check.sh" ]; then
        if ! TMP="$tmp/tmp" SHARED="$shared" FAIRAUDIT_BIN="$bin" STDOUT="$out" STDERR="$err" \
            bash "$dir/check.sh" >"$tmp/check.log" 2>&1; then
            reasons+=(check.sh)
        fi
    fi

    if [ ${#reasons[@]} -eq 0 ]; then
        echo "ok $name"
        pass=$((pass + 1))
        return
    fi
    echo "FAIL $name: $(IFS=,; echo "${reasons[*]}")"
    for r in "${reasons[@]}"; do
        case $r in
        stdout) show_diff stdout "$dir/expected.out" "$out" ;;
        stderr) show_diff stderr "$dir/expected.err" "$err" ;;
        check.sh) echo "  --- check.sh said:"; head -n 20 "$tmp/check.log" | sed 's/^/  /' ;;
        esac
    done
    fail=$((fail + 1))
}

if [ $# -gt 0 ]; then
    cases=()
    for c in "$@"; do cases+=("$here/$c"); done
else
    cases=("$here"/*/)
fi
for d in "${cases[@]}"; do
    d=${d%/}
    if [ ! -d "$d" ]; then
        echo "FAIL $(basename "$d"): no such case folder"
        fail=$((fail + 1))
        continue
    fi
    if [ ! -f "$d/args" ]; then
        if [ -f "$d/args.pending" ]; then
            echo "skip $(basename "$d"): pending (see tests/cli/$(basename "$d")/args.pending)"
            skip=$((skip + 1))
        fi
        continue
    fi
    run_case "$d"
done

echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
