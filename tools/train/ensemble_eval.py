"""Honest score of an ensemble of finalized honest runs (issue 19): the mean of their sigmoid scores.

  /usr/bin/python3 tools/train/ensemble_eval.py /tmp/v2/s13 /tmp/v2/s14

Each argument is the --work directory of a run finalized with --holdout (its probs.npz holds the slice and dev
scores). The runs must share the held-out slice (same --holdout and --holdout-seed: the slice labels are compared).
Thresholds are tuned on the mean slice scores exactly as for one model (--shrink, default auto) and applied to dev
once. This is the ceiling a student distilled from these teachers (--teacher-seeds) can aim for; an ensemble of n
encoders costs n times one in size and inference.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("work", nargs="+", help="--work directories of finalized honest runs")
    ap.add_argument("--shrink", default="auto")
    a = ap.parse_args(argv)
    runs = [np.load(os.path.join(w, "probs.npz")) for w in a.work]
    for r in runs[1:]:
        if not (np.array_equal(r["hold_y"], runs[0]["hold_y"]) and np.array_equal(r["dev_y"], runs[0]["dev_y"])):
            sys.exit("the runs do not share the held-out slice (or dev): not comparable")
    labels = [str(i) for i in range(runs[0]["dev_y"].shape[1])]
    out = {}
    for name, rows in [(os.path.basename(w.rstrip("/")), [r]) for w, r in zip(a.work, runs)] + [("ensemble", runs)]:
        hold = np.mean([r["hold"] for r in rows], axis=0)
        dev = np.mean([r["dev"] for r in rows], axis=0)
        rep = protocol.report(hold, runs[0]["hold_y"], dev, runs[0]["dev_y"], labels, a.shrink)
        out[name] = {"dev_macro_f1": round(rep["macro_f1"], 4), "ci95": [round(x, 4) for x in rep["macro_f1_ci95"]],
                     "dev_micro_f1": round(rep["micro_f1"], 4), "shrink_k": rep["shrink_k"],
                     "dev_macro_f1_at_0.5": round(rep["at_0.5"]["macro_f1"], 4), "ece": round(rep["ece"], 4)}
        print(name, json.dumps(out[name]), flush=True)
    return out


if __name__ == "__main__":
    main()
