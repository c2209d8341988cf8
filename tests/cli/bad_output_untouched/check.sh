# shellcheck shell=bash
# The failed run left the earlier output byte for byte, and no temporary file beside it.
cmp "$TMP/../out.json.before" "$TMP/out.json" || exit 1
left=$(ls -A "$TMP")
[ "$left" = out.json ] || { echo "unexpected files: $left"; exit 1; }
