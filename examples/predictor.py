#!/usr/bin/env python3
"""An external model for fairaudit: a linear model answering the batch protocol.

    fairaudit ... --model 'python3 examples/predictor.py model.json'

model.json is a linear model in fairaudit's format (docs/models.md): feature_names, coef,
intercept, link ("identity" or "logistic"), optional scaler_mean and scaler_scale. A plain
scikit-learn export without "link" is read as logistic, as fairaudit does.

The protocol (docs/models.md, "External models"), repeated for each batch on stdin:
a CSV header line with the feature names, one CSV line per row, then an empty line. For
each row this program prints one line: the probability of class 1 (logistic link) or the
margin (identity link), then flushes. It stops at the end of its input.

The arithmetic repeats fairaudit's native linear back end operation for operation
(z = (x - mean) / scale; the sum of coef * z left to right; then + intercept; then
1 / (1 + exp(-margin))), so both give the same numbers. Standard library only.
"""

import csv
import json
import math
import sys


def fail(message):
    sys.stderr.write("predictor.py: %s\n" % message)
    sys.exit(1)


def unwrap(value):
    """scikit-learn writes coef_ as [[...]] and intercept_ as [b]: take the one row."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], (list, int, float)):
        return value[0]
    return value


def load_model(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    names = doc["feature_names"]
    coef = [float(c) for c in unwrap(doc["coef"])]
    intercept = float(unwrap(doc["intercept"]))
    link = doc.get("link", "logistic")
    if link not in ("identity", "logistic"):
        fail("%s: link: expected \"identity\" or \"logistic\", got %r" % (path, link))
    mean = doc.get("scaler_mean")
    scale = doc.get("scaler_scale")
    if len(coef) != len(names) or (mean is not None and
                                   (len(mean) != len(names) or len(scale) != len(names))):
        fail("%s: coef, scaler_mean and scaler_scale need one entry per feature" % path)
    return names, coef, intercept, link, mean, scale


def predict(model, values):
    names, coef, intercept, link, mean, scale = model
    s = 0.0
    for j, x in enumerate(values):
        if mean is not None:
            s += coef[j] * ((x - mean[j]) / scale[j])
        else:
            s += coef[j] * x
    margin = s + intercept
    if link == "identity":
        return margin
    try:
        return 1.0 / (1.0 + math.exp(-margin))
    except OverflowError:  # exp(-margin) is infinite: C's 1 / (1 + inf) = 0
        return 0.0


def answer_batch(model, header, lines):
    names = model[0]
    columns = next(csv.reader([header]))
    where = {name: i for i, name in enumerate(columns)}
    missing = [n for n in names if n not in where]
    if missing:
        fail("the batch has no column for %s" % ", ".join(repr(n) for n in missing[:10]))
    order = [where[n] for n in names]
    out = []
    for k, fields in enumerate(csv.reader(lines)):
        if len(fields) != len(columns):
            fail("row %d of the batch has %d fields, expected %d" % (k + 1, len(fields),
                                                                      len(columns)))
        values = []
        for j in order:
            if fields[j] == "":
                fail("row %d: missing value for %r" % (k + 1, columns[j]))
            values.append(float(fields[j]))
        out.append(repr(predict(model, values)))
    return out


def main():
    if len(sys.argv) != 2:
        fail("usage: predictor.py MODEL.json")
    model = load_model(sys.argv[1])
    stdin = sys.stdin
    while True:
        header = stdin.readline()
        if header == "":
            return 0
        lines = []
        while True:
            line = stdin.readline()
            if line == "":
                fail("input ended inside a batch (no empty line)")
            if line in ("\n", "\r\n"):
                break
            lines.append(line)
        answers = answer_batch(model, header, lines)
        sys.stdout.write("".join(a + "\n" for a in answers))
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
