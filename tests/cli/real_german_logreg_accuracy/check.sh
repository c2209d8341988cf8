# The baseline is the model's test accuracy (../shared/models/README.md: 0.74).
grep -q '"baseline":	0.74,' "$TMP/g.json"
