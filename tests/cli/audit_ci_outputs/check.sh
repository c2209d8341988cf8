#!/bin/bash
# JUnit parses as XML with 6 failures, SARIF as JSON with 6 results, the Markdown says FAILED.
python3 - "$TMP" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
suite = ET.parse(d + "/j.xml").getroot().find("testsuite")
assert suite.get("failures") == "6" and suite.get("tests") == "6", suite.attrib
sarif = json.load(open(d + "/s.sarif"))
assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 6
assert "FAILED" in open(d + "/m.md").read()
PY
