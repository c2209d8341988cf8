#!/usr/bin/python3
"""bench/perm_peer.py - the permutation-importance benchmark's data, model and peer.

    perm_peer.py gen DIR [ROWS] [FEATURES]
        writes DIR/X.csv (ROWS x FEATURES, default 1e5 x 20, columns x0..x19, 6 decimals),
        DIR/y.csv (column y, row-aligned) and DIR/model.json: an XGBoost binary:logistic model,
        100 trees of depth 6 (Booster.save_model JSON, with feature names), fitted on those
        rows; all from seed 42, so a rerun writes the same files.
    perm_peer.py sklearn DIR JOBS REPEATS OUT.json
        scikit-learn's permutation_importance(model, X, y, scoring="accuracy",
        n_repeats=REPEATS, n_jobs=JOBS, random_state=0) of that model (XGBClassifier with
        n_jobs=1, so the only parallelism is permutation_importance's), timed as a whole
        process by the caller; writes {"baseline", "importances": [{"feature", "mean", "std"}]}
        to OUT.json, and the time of the permutation_importance call alone on stderr.

Needs Debian's python3-sklearn and python3-xgboost (run with /usr/bin/python3).
"""
import json
import sys
import time

import numpy as np


def gen(out_dir, rows, features):
    import xgboost as xgb

    rng = np.random.RandomState(42)
    x = rng.normal(size=(rows, features))
    # a label that needs several features, interactions and a threshold
    z = (1.5 * x[:, 0] - x[:, 1] + 0.8 * x[:, 2] * x[:, 3] + np.sin(2 * x[:, 4])
         + 0.5 * (x[:, 5] > 0.5) - 0.3 * x[:, 6] ** 2 + rng.normal(scale=1.0, size=rows))
    y = (z > 0).astype(np.int64)
    names = ["x%d" % j for j in range(features)]
    clf = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3,
                            objective="binary:logistic", tree_method="hist", n_jobs=2,
                            random_state=42)
    clf.fit(x, y)
    booster = clf.get_booster()
    booster.feature_names = names  # so that fairaudit matches the columns by name
    booster.save_model(out_dir + "/model.json")
    np.savetxt(out_dir + "/X.csv", x, delimiter=",", fmt="%.6f", header=",".join(names),
               comments="")
    np.savetxt(out_dir + "/y.csv", y, fmt="%d", header="y", comments="")


def peer(data_dir, jobs, repeats, out_path):
    import xgboost as xgb
    from sklearn.inspection import permutation_importance

    with open(data_dir + "/X.csv") as f:
        names = f.readline().strip().split(",")
    x = np.loadtxt(data_dir + "/X.csv", delimiter=",", skiprows=1)
    y = np.loadtxt(data_dir + "/y.csv", skiprows=1).astype(np.int64)
    clf = xgb.XGBClassifier(n_jobs=1)
    clf.load_model(data_dir + "/model.json")
    clf.get_booster().feature_names = None  # a plain matrix, in the model's column order
    t0 = time.perf_counter()
    r = permutation_importance(clf, x, y, scoring="accuracy", n_repeats=repeats, n_jobs=jobs,
                               random_state=0)
    t1 = time.perf_counter()
    baseline = float(np.mean(clf.predict(x) == y))
    out = {"baseline": baseline, "importances": [
        {"feature": name, "mean": float(m), "std": float(s)}
        for name, m, s in zip(names, r.importances_mean, r.importances_std)]}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
    print("permutation_importance call: %.2f s" % (t1 - t0), file=sys.stderr)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        rows = int(float(sys.argv[3])) if len(sys.argv) > 3 else 100000
        features = int(sys.argv[4]) if len(sys.argv) > 4 else 20
        gen(sys.argv[2], rows, features)
    elif len(sys.argv) == 6 and sys.argv[1] == "sklearn":
        peer(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
