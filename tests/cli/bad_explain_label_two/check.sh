[ ! -e "$TMP/no.json" ]
