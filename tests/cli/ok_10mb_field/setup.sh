# shellcheck shell=bash
# A 10 MB field in a column the audit does not use: the reader grows its buffer for it.
{
    printf 'label,pred,race,note\n1,1,A,'
    head -c 10000000 /dev/zero | tr '\0' 'x'
    printf '\n0,0,B,short\n1,0,A,"a, quoted, note"\n0,1,B,\n'
} >"$TMP/big_field.csv"
