#!/bin/bash
echo "{\"confidence_level\": 1}" > "$TMP/p.json"
