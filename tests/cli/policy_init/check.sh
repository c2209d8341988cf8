# shellcheck shell=bash
# The starter policy is itself a valid policy, without warnings.
cp "$STDOUT" "$TMP/starter.json"
"$FAIRAUDIT_BIN" policy check "$TMP/starter.json" >"$TMP/check.out" 2>&1 || exit 1
grep -qx "$TMP/starter.json: ok: 2 gates" "$TMP/check.out" || { cat "$TMP/check.out"; exit 1; }
