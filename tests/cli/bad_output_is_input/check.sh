#!/bin/bash
# the input is untouched
head -1 tests/data/cli/small.csv | grep -q label
