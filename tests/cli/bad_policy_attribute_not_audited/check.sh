# shellcheck shell=bash
# A gate on an attribute that is not audited is a policy error that names its JSON path.
# Pending: the message names the policy file but not gates[0].attribute (see args.pending).
grep -q 'gates\[0\]\.attribute' "$STDERR" || { echo "no JSON path in: $(cat "$STDERR")"; exit 1; }
[ -z "$(ls -A "$TMP")" ] || { echo "files written on bad input: $(ls -A "$TMP")"; exit 1; }
