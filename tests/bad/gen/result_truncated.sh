# A saved audit result cut in the middle, as a failed upload leaves it.
source tests/bad/gen/result_base.sh "$1.full" || exit 1
head -c "$(($(wc -c <"$1.full") / 2))" "$1.full" >"$1" && rm -f "$1.full"
