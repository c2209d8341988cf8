#!/bin/bash
[ ! -e "$TMP/x.json" ]
