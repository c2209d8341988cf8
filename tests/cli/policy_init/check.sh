# shellcheck shell=bash
# The starter policy is itself a valid policy, without warnings.
cp "$STDOUT" "$TMP/starter.json"
"$FAIRAUDIT_BIN" policy check "$TMP/starter.json" >"$TMP/check.out" 2>&1 || exit 1
grep -qx "$TMP/starter.json: ok: 2 gates" "$TMP/check.out" || { cat "$TMP/check.out"; exit 1; }
# and strict JSON for other tools too (no raw line breaks inside strings, which cJSON alone
# would let through)
if command -v python3 >/dev/null; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMP/starter.json" || exit 1
fi
