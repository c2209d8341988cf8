# The baseline log loss is the hand-computed one: margins -0.4, 0.55, 0.85, -0.4, -0.7, 0.55,
# 0.85, 1.05 (fixtures/models/README.md) against labels 0 1 1 0 0 1 1 1:
# mean of log1p(exp(-m)) for label 1 and log1p(exp(m)) for label 0 = 0.41899876663925917.
set -e
grep -q '"baseline":	0.4189987666392591[0-9]*,' "$TMP/l.json"
grep -q '"rows":	8' "$TMP/l.json"
