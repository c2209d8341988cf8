#!/bin/bash
# the released model's audit: prediction = approved (score >= 0.5)
"$FAIRAUDIT_BIN" audit fixtures/loans.csv --label repaid --pred approved --group sex \
    --policy tests/data/cli/policy_change.json --json "$TMP/base.json" --quiet
[ -s "$TMP/base.json" ]
