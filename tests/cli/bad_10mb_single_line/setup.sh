# shellcheck shell=bash
# One line of 10 MB and no newline at all: a header the reader has to buffer in full.
head -c 10000000 /dev/zero | tr '\0' 'x' >"$TMP/one_line.csv"
