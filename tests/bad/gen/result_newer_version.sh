# A result written by a newer fairaudit (9.0.0).
source tests/bad/gen/result_base.sh "$1.full" || exit 1
sed 's/"fairaudit_version":[[:space:]]*"[^"]*"/"fairaudit_version": "9.0.0"/' "$1.full" >"$1" && rm -f "$1.full"
