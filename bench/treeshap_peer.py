#!/usr/bin/python3
"""bench/treeshap_peer.py - the TreeSHAP benchmark's data, model and peer (XGBoost itself).

    treeshap_peer.py gen DIR [ROWS] [FEATURES] [BACKGROUND]
        writes DIR/X.csv (ROWS x FEATURES, default 1e4 x 20, columns x0..x19, 6 decimals, about
        2% of the values missing, written as empty fields), DIR/bg.csv (BACKGROUND rows, default
        100, drawn the same way, no missing values) and DIR/model.json: an XGBoost
        binary:logistic model, 100 trees of depth 6 (Booster.save_model JSON, with feature
        names and covers), fitted on 2e4 other rows of the same distribution (with missing
        values, so the default directions are learnt); all from seed 42, so a rerun writes
        the same files.
    treeshap_peer.py contribs DIR NTHREAD RUNS OUT.csv
        XGBoost's own path-dependent TreeSHAP: Booster.predict(DMatrix(X), pred_contribs=True)
        with nthread=NTHREAD, RUNS times; prints "median_s min_s" of the predict call alone on
        stdout and writes the last result (FEATURES + 1 columns, bias last, %.9g) to OUT.csv
        (skipped when OUT.csv is '-').
    treeshap_peer.py compare OURS.csv THEIRS.csv
        the largest |ours - theirs| and the largest excess over 1e-6 + 1e-6 |theirs| (the
        golden README's tolerance for XGBoost's float32 values), and the number of values
        beyond it; exit 1 when any is.

Needs Debian's python3-xgboost (run with /usr/bin/python3).
"""
import sys
import time

import numpy as np


def draw(rng, rows, features, missing):
    x = rng.normal(size=(rows, features))
    if missing > 0:
        x[rng.uniform(size=x.shape) < missing] = np.nan
    return x


def label(rng, x):
    v = np.nan_to_num(x)
    z = (1.5 * v[:, 0] - v[:, 1] + 0.8 * v[:, 2] * v[:, 3] + np.sin(2 * v[:, 4])
         + 0.5 * (v[:, 5] > 0.5) - 0.3 * v[:, 6] ** 2 + 0.7 * np.isnan(x[:, 7])
         + rng.normal(scale=1.0, size=len(v)))
    return (z > 0).astype(np.int64)


def write_csv(path, x, names):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for row in x:
            f.write(",".join("" if np.isnan(v) else "%.6f" % v for v in row) + "\n")


def gen(out_dir, rows, features, background):
    import xgboost as xgb

    rng = np.random.RandomState(42)
    names = ["x%d" % j for j in range(features)]
    xt = draw(rng, 20000, features, 0.02)
    yt = label(rng, xt)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.3,
                         "tree_method": "hist", "nthread": 2, "seed": 42},
                        xgb.DMatrix(xt, label=yt, feature_names=names), num_boost_round=100)
    booster.save_model(out_dir + "/model.json")
    write_csv(out_dir + "/X.csv", draw(rng, rows, features, 0.02), names)
    write_csv(out_dir + "/bg.csv", draw(rng, background, features, 0.0), names)


def read_csv(path):
    with open(path) as f:
        names = f.readline().strip().split(",")
        rows = [[float(v) if v != "" else np.nan for v in line.rstrip("\n").split(",")]
                for line in f]
    return names, np.array(rows, dtype=np.float64)


def contribs(data_dir, nthread, runs, out_path):
    import xgboost as xgb

    names, x = read_csv(data_dir + "/X.csv")
    booster = xgb.Booster(params={"nthread": nthread}, model_file=data_dir + "/model.json")
    booster.set_param({"nthread": nthread})
    dm = xgb.DMatrix(x, feature_names=names, nthread=nthread)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        phi = booster.predict(dm, pred_contribs=True)
        times.append(time.perf_counter() - t0)
    times.sort()
    print("%.4f %.4f" % (times[(len(times) - 1) // 2], times[0]))
    if out_path != "-":
        np.savetxt(out_path, phi, delimiter=",", fmt="%.9g", header=",".join(names + ["bias"]),
                   comments="")


def compare(ours_path, theirs_path):
    _, ours = read_csv(ours_path)
    _, theirs = read_csv(theirs_path)
    if ours.shape != theirs.shape:
        print("shapes differ: %s against %s" % (ours.shape, theirs.shape))
        return 1
    diff = np.abs(ours - theirs)
    excess = diff - (1e-6 + 1e-6 * np.abs(theirs))
    beyond = int(np.sum(excess > 0))
    print("largest |fairaudit - xgboost| %.3g over %d values; %d beyond 1e-6 + 1e-6 |value|"
          % (diff.max(), diff.size, beyond))
    return 1 if beyond else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "gen":
        extra = [int(float(a)) for a in argv[3:6]]
        rows, features, background = (extra + [10000, 20, 100][len(extra):])[:3]
        gen(argv[2], rows, features, background)
        return 0
    if len(argv) == 6 and argv[1] == "contribs":
        contribs(argv[2], int(argv[3]), int(argv[4]), argv[5])
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
