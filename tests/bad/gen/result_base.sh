# shellcheck shell=bash
# A real audit result to start from (sourced by the result_* generators): $1 = where to write.
"$FAIRAUDIT_BIN" audit tests/data/cli/small.csv --label label --pred pred --group race \
    --json "$1" >/dev/null 2>&1
[ -s "$1" ]
