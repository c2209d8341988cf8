# shellcheck shell=bash
# 10000 nested arrays: refused before cJSON recurses.
python3 -c "import sys; sys.stdout.write(\"[\" * 10000 + \"]\" * 10000)" >"$TMP/t.json"
