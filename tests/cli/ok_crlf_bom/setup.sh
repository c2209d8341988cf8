# shellcheck shell=bash
# A UTF-8 byte order mark and CRLF line ends, as spreadsheet programs write them.
printf '\xef\xbb\xbflabel,pred,race\r\n1,1,A\r\n0,0,B\r\n1,0,A\r\n0,1,B\r\n1,1,A\r\n' >"$TMP/crlf_bom.csv"
