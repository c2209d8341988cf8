set -e
grep -q '"feature":	"person"' "$TMP/g.json"
grep -q '"columns":	\["age", "noise"\]' "$TMP/g.json"
