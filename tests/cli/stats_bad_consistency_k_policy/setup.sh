#!/bin/bash
# five rows on one feature: x = 0 1 2 10 11, predictions 1 1 0 0 0
printf "g,y,p\nA,1,1\nA,1,1\nB,0,0\nB,1,0\nA,0,0\n" > "$TMP/pred.csv"
printf "x\n0\n1\n2\n10\n11\n" > "$TMP/x.csv"
printf "x\n0\n1\n2\n10\n" > "$TMP/x4.csv"
echo "{\"individual\": {\"consistency_k\": 2}}" > "$TMP/p.json"
echo "{\"individual\": {\"consistency_k\": 5}}" > "$TMP/p5.json"
