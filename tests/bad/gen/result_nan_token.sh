# A result that went through a tool writing NaN for an undefined number.
source tests/bad/gen/result_base.sh "$1.full" || exit 1
sed '0,/null/s//NaN/' "$1.full" >"$1" && rm -f "$1.full"
