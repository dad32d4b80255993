"""Distillation (issue 19, `--teacher-seeds`): the teachers of a run, trained with its flags (or some overridden) on the
same training texts and never on the held-out slice, and their mean scores on those texts (the student's soft targets).

The recipe's `train`, `predict` and flag defaults are passed in by train.py, which owns them.
"""
import argparse
import os
import sys

import numpy as np
import torch

from model import EmoEncoder


def teacher_specs(a, defaults):
    """(name, args) of each teacher: `SEED` is this run's flags with that seed; `SEED/flag=value/…` overrides flags too
    (teachers of another recipe, e.g. `13/pos_weight_power=0`). `defaults`: the recipe's flags at their defaults."""
    specs = []
    for entry in [x for x in str(a.teacher_seeds).split(",") if x]:
        seed, *overrides = entry.split("/")
        flags = {"seed": int(seed)}
        for o in overrides:
            k, v = o.split("=", 1)
            if k not in defaults or k in ("teacher_seeds", "work", "out", "fixture", "data"):
                sys.exit(f"--teacher-seeds: {k} is not a flag a teacher can override")
            flags[k] = type(defaults[k])(v) if defaults[k] is not None else v
        name = "teacher-" + "-".join([seed] + [o.replace("=", "") for o in overrides])
        work = os.path.join(a.work, name)
        specs.append((name, argparse.Namespace(**{**vars(a), **flags, "teacher_seeds": "", "work": work,
                                                  "out": os.path.join(work, "bundle"),
                                                  "fixture": os.path.join(work, "fixture.json")})))
    return specs


def teacher_scores(a, labels, tok, tr_ids, train, predict, defaults):
    """Mean sigmoid scores of the teachers (trained first, by `train`, if their checkpoint is not in --work/teacher-…)."""
    if a.holdout <= 0:
        sys.exit("--teacher-seeds needs --holdout: the teachers must not have seen the selection slice")
    scores = []
    skip = ("out", "work", "fixture", "data", "teacher_seeds", "distill_weight")
    for name, targs in teacher_specs(a, defaults):
        path = os.path.join(targs.work, "goemotions-mini.pt")
        if not os.path.exists(path):
            print(f"{name}: training in {targs.work}", flush=True)
            train(targs, labels)
        ck = torch.load(path)
        mine = {k: v for k, v in vars(targs).items() if k not in skip}
        # a flag the teacher's recipe did not have yet was at its default
        theirs = {k: v for k, v in {**defaults, **ck["args"]}.items() if k not in skip}
        if mine != theirs or ck["tokenizer"] != tok.to_hf_json(a.max_len):
            sys.exit(f"{name} in {targs.work} was trained with other flags or another vocabulary: "
                     f"{sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))}")
        model = EmoEncoder(**ck["cfg"])
        model.load_state_dict(ck["state_dict"])
        scores.append(predict(model, tr_ids, tok.pad_id))
        print(f"{name}: epoch {ck['best_epoch']}, scored {len(tr_ids)} training texts", flush=True)
    return np.mean(scores, axis=0)
