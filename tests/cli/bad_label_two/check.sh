# shellcheck shell=bash
# Bad input writes nothing: the output directory stays empty (no file, no temporary file).
left=$(ls -A "$TMP")
[ -z "$left" ] || { echo "files written on bad input: $left"; exit 1; }
