# The same bytes with 1 thread as with 2.
set -e
"$FAIRAUDIT_BIN" explain --method permutation --model tests/data/perm/model.json \
    --data tests/data/perm/x.csv --label label --scoring log_loss --repeats 9 --threads 1 \
    --quiet --json "$TMP/t1.json" --out "$TMP/t1.csv" 2>/dev/null
cmp "$TMP/t1.json" "$TMP/t2.json"
cmp "$TMP/t1.csv" "$TMP/t2.csv"
