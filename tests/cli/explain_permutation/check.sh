# The JSON holds every key, noise (coefficient 0) is exactly 0, the CSV has R value columns.
set -e
grep -q '"method":	"permutation"' "$TMP/e.json"
grep -q '"repeats":	8' "$TMP/e.json"
grep -q '"seed":	5' "$TMP/e.json"
grep -q '"rows":	60' "$TMP/e.json"
grep -A3 '"feature":	"noise"' "$TMP/e.json" | grep -q '"mean":	0,'
head -n 1 "$TMP/e.csv" | grep -qx 'feature,mean,std,value_1,value_2,value_3,value_4,value_5,value_6,value_7,value_8'
grep -qx 'noise,0,0,0,0,0,0,0,0,0,0' "$TMP/e.csv"
[ "$(wc -l < "$TMP/e.csv")" -eq 4 ]
