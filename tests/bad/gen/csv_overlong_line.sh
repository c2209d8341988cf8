# A valid header and then one row of 64 MiB (a single unquoted field that never ends).
{ printf 'label,pred,race\n1,1,'; head -c 67108864 /dev/zero | tr '\0' 'A'; printf '\n'; } >"$1"
