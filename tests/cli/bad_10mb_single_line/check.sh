# shellcheck shell=bash
# Bad input writes nothing: beside the input that setup.sh made, the directory stays empty.
for f in "$TMP"/* "$TMP"/.[!.]*; do
    [ -e "$f" ] || continue
    [ "$f" = "$TMP/one_line.csv" ] || { echo "file written on bad input: $f"; exit 1; }
done
