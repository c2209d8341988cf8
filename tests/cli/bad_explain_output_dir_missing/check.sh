# Neither output is written when one of them cannot be.
[ ! -e "$TMP/e.json" ] && [ -z "$(ls "$TMP")" ]
