#!/bin/bash
# An empty background is bad input: exit 2, and nothing is written.
[ ! -e "$TMP/never.csv" ]
