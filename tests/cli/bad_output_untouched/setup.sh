# shellcheck shell=bash
# An output file from an earlier run, and a copy of it outside the output directory.
printf '{"earlier": "run", "passed": true}\n' >"$TMP/out.json"
cp "$TMP/out.json" "$TMP/../out.json.before"
