# shellcheck shell=bash
# A group value with a byte that is not UTF-8 (0xFF), beside one that is (e-acute).
printf 'label,pred,race\n1,1,A\xffB\n0,0,A\xffB\n1,0,C\n0,1,\xc3\xa9t\xc3\xa9\n1,1,C\n' >"$TMP/bad_utf8.csv"
