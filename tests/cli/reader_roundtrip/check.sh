# shellcheck shell=bash
# THE round trip. `report A.json --json B.json` gives A's bytes, and the same Markdown, JUnit,
# SARIF and summary as the audit itself; then the same for the JSON of every CLI case that
# writes one: each `audit ... --json` case is run again here (its setup.sh too) and its
# result re-rendered by `report`.
set -u
fail=0
for f in json md xml sarif; do
    cmp "$TMP/a.$f" "$TMP/rt.$f" || fail=1
done
cmp "$TMP/a.out" "$STDOUT" || fail=1
n=0
for dir in tests/cli/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    if [ ! -f "$dir/args" ] || [ "$name" = reader_roundtrip ] ||
        [ "$(head -n 1 "$dir/args")" != audit ] || ! grep -qx -- '--json' "$dir/args"; then
        continue
    fi
    # a bad-input case (exit 2) writes nothing; a file already there is not its result
    [ "$(cat "$dir/expected.status" 2>/dev/null)" != 2 ] || continue
    if grep -q '@SHARED@' "$dir/args" && [ ! -d "$SHARED" ]; then
        continue
    fi
    t="$TMP/cases/$name"
    mkdir -p "$t"
    args=()
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line//@TMP@/$t}
        args+=("${line//@SHARED@/$SHARED}")
    done <"$dir/args"
    if [ -f "$dir/setup.sh" ]; then
        TMP="$t" bash "$dir/setup.sh" >/dev/null 2>&1 || { echo "$name: setup.sh failed"; fail=1; continue; }
    fi
    "$FAIRAUDIT_BIN" "${args[@]}" >/dev/null 2>&1 </dev/null
    rm -f "$t/rt.json"
    for ((i = 0; i + 1 < ${#args[@]}; i++)); do
        [ "${args[i]}" = --json ] || continue
        out=${args[i + 1]}
        [ -f "$out" ] || continue # a bad-input case writes nothing
        "$FAIRAUDIT_BIN" report "$out" --json "$t/rt.json" --quiet >/dev/null 2>"$t/rt.err"
        rc=$?
        if [ $rc -eq 2 ] || [ $rc -gt 4 ] || ! cmp -s "$out" "$t/rt.json"; then
            echo "$name: the JSON does not round-trip"
            head -n 3 "$t/rt.err"
            [ -f "$t/rt.json" ] && diff "$out" "$t/rt.json" | head -n 10
            fail=1
        fi
        n=$((n + 1))
    done
done
# and audits no case writes as JSON: a top-k cut-off with bootstrap intervals, labels only
for extra in "--score score --top-k 500 --bootstrap 20" "--bootstrap 20"; do
    t="$TMP/extra$n"
    mkdir -p "$t"
    # shellcheck disable=SC2086
    "$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --group sex,region $extra \
        --json "$t/a.json" --quiet
    "$FAIRAUDIT_BIN" report "$t/a.json" --json "$t/rt.json" --quiet
    cmp "$t/a.json" "$t/rt.json" || { echo "audit $extra: the JSON does not round-trip"; fail=1; }
    n=$((n + 1))
done
echo "round-tripped the JSON of $n cases"
[ "$n" -ge 10 ] || { echo "expected at least 10 JSON results"; fail=1; }
exit $fail
