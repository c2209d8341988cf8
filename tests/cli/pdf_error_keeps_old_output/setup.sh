printf "old report\n" >"$TMP/r.pdf"
