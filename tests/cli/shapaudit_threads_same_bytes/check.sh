#!/bin/bash
# The same audit with one thread writes the same bytes (Shapley values, bootstrap intervals of
# the gap terms, the beeswarm sample); another seed changes the intervals.
M="$SHARED/models"
run() {
    "$FAIRAUDIT_BIN" audit "$M/german_pred_xgb.csv" --label good_credit --pred pred \
        --group sex,foreign_worker --min-group-size 10 --model "$M/german_xgb.json" \
        --features-file "$M/german_test_features.csv" --match-by-position --explain tree \
        --bootstrap 300 --seed "$1" --threads "$2" --quiet --json "$3" 2>/dev/null
}
run 8 1 "$TMP/t1.json" && cmp "$TMP/t1.json" "$TMP/t2.json" || exit 1
run 9 1 "$TMP/s9.json" && ! cmp -s "$TMP/t1.json" "$TMP/s9.json"
