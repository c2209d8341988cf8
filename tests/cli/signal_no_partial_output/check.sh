# shellcheck shell=bash
# (args only prints the version.) The real case: SIGINT, as Ctrl-C sends it to the whole
# foreground process group, arrives while `explain` waits for its model. fairaudit must die
# of the signal, leave the earlier output byte for byte and leave no temporary file; then the
# same with SIGTERM sent to fairaudit alone.
set -u -m   # job control: the job gets its own process group and SIGINT is not ignored
# A shell started in the background inherits SIGINT ignored, and an ignored signal stays ignored
# in its children (fairaudit keeps it so, as nohup wants): then only SIGTERM can be tested.
sigs="INT TERM"
ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
if [ -n "$ign" ] && [ $((0x$ign & 2)) -ne 0 ]; then
    sigs="TERM"
fi
for sig in $sigs; do
    "$FAIRAUDIT_BIN" explain --method permutation --model "cmd:$TMP/slow.sh" \
        --data tests/bad/data/linear_features.csv --label y --repeats 1 \
        --json "$TMP/out.json" --out "$TMP/values.csv" 2>"$TMP/err.txt" &
    pid=$!
    sleep 1
    if [ "$sig" = INT ]; then kill -INT -- "-$pid"; else kill -TERM "$pid"; pkill -f "$TMP/slow.sh"; fi
    wait "$pid"
    status=$?
    want=$((128 + $(kill -l "$sig")))
    [ "$status" = "$want" ] || { echo "SIG$sig: exit status $status, expected $want"; cat "$TMP/err.txt"; exit 1; }
    cmp "$TMP/../out.json.before.sig" "$TMP/out.json" || { echo "SIG$sig: the earlier output changed"; exit 1; }
    left=$(ls -A "$TMP" | grep -v -x -e out.json -e slow.sh -e err.txt)
    [ -z "$left" ] || { echo "SIG$sig: files left behind: $left"; exit 1; }
done
rm -f "$TMP/../out.json.before.sig"
