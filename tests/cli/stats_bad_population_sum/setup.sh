#!/bin/bash
cat > "$TMP/seven.csv" <<EOF
g,y,s
A,1,0.9
A,0,0.8
A,1,0.4
A,0,0.2
B,1,0.8
B,0,0.4
B,0,0.1
EOF
echo '{"population": {"g": {"A": 0.5, "B": 0.4}}}' > "$TMP/p.json"
