#!/bin/bash
echo "{\"generalized_entropy_alpha\": 1e999}" > "$TMP/p.json"
