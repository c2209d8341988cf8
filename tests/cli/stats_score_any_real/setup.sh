#!/bin/bash
cat > "$TMP/margins.csv" <<EOF
g,y,s
A,1,0.9
A,0,1.5
B,1,-2
B,0,0.25
EOF
