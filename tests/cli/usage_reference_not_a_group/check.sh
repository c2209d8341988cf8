# shellcheck shell=bash
# Bad usage writes nothing.
[ -z "$(ls -A "$TMP")" ] || { ls -A "$TMP"; exit 1; }
