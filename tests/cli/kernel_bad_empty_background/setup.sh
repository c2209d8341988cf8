#!/bin/bash
# A background with the model's columns and no rows.
printf 'x0,x1,x2,grp\n' >"$TMP/bg.csv"
