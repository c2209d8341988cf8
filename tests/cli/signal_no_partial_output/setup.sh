# shellcheck shell=bash
# An output from an earlier run, and an external model that never answers (so the run is
# still busy when the signal comes).
printf '{"earlier": "run"}\n' >"$TMP/out.json"
cp "$TMP/out.json" "$TMP/../out.json.before.sig"
printf '#!/bin/sh\nexec sleep 30\n' >"$TMP/slow.sh"
chmod +x "$TMP/slow.sh"
