"""k-fold protocol (issue 19, `train.py --folds K`): thresholds and the epoch count from out-of-fold scores over all of
train, and the shipped model trained on all of train. Dev is scored once, at the end, as with --holdout.

Members, each a `train.py` process of its own (same flags, one --threads each, `--fold-jobs` at once):
- `fold-<i>` (i = 0..K-1): trains on the other folds for --epochs epochs and writes its scores on fold i after every
  epoch (`oof-epoch<e>.npz`);
- `final`: trains on all of train for --epochs epochs and keeps the weights of every epoch (`goemotions-mini.epoch<e>.pt`).
All members use the same seed, schedule and vocabulary (built from all train texts, as with --holdout), so the final
model at epoch e is trained like the folds at epoch e on 1/(K-1) more data. The pool picks the epoch e whose pooled
out-of-fold scores reach the best macro-F1 with shrunk thresholds; those scores also set the thresholds (the k of
--shrink auto by 2-fold cross-fit over them). A member whose files are complete in --work is reused, not retrained.
"""
import os
import subprocess
import sys
import time

import numpy as np
import torch

from data import load_split
import protocol

HERE = os.path.dirname(os.path.abspath(__file__))
ARGV = []  # the flags of this run (train.main sets it): every member is started with them


def members(a):
    if a.teacher_folds > 0:
        return [str(i) for i in range(a.teacher_folds)]
    return ["final"] + [str(i) for i in range(a.folds)]


def member_work(a, name):
    if a.teacher_folds > 0:
        return os.path.join(a.work, f"teacher-fold-{name}")
    return os.path.join(a.work, "final" if name == "final" else f"fold-{name}")


def member_done(a, name):
    wd = member_work(a, name)
    last = f"goemotions-mini.epoch{a.epochs}.pt" if name == "final" else f"oof-epoch{a.epochs}.npz"
    return os.path.exists(os.path.join(wd, last))


def train_members(a, argv):
    """Runs the members not yet complete, at most a.fold_jobs at once; exits if one fails."""
    todo, running = [m for m in members(a) if not member_done(a, m)], []
    t0 = time.time()
    while todo or running:
        while todo and len(running) < max(1, a.fold_jobs):
            name = todo.pop(0)
            wd = member_work(a, name)
            os.makedirs(wd, exist_ok=True)
            cmd = [sys.executable, os.path.join(HERE, "train.py")] + list(argv) + [
                "--fold", name, "--work", wd, "--out", os.path.join(wd, "bundle"),
                "--fixture", os.path.join(wd, "fixture.json")]
            log = open(os.path.join(wd, "train.log"), "w")
            running.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log))
            print(f"k-fold: member {name} started ({wd}/train.log)", flush=True)
        time.sleep(2)
        for item in list(running):
            name, proc, log = item
            if proc.poll() is None:
                continue
            running.remove(item)
            log.close()
            if proc.returncode != 0:
                for _, other, _ in running:
                    other.kill()
                sys.exit(f"k-fold: member {name} failed ({proc.returncode}); see {member_work(a, name)}/train.log")
            print(f"k-fold: member {name} done ({time.time() - t0:.0f}s since start)", flush=True)
    return time.time() - t0


def pooled_oof(a, tr_y, epoch, rows=None):
    """The members' out-of-fold scores at `epoch`, one row per train text (rows: only these must be covered)."""
    oof, seen = np.zeros(tr_y.shape, dtype=np.float32), np.zeros(len(tr_y), dtype=bool)
    for name in [m for m in members(a) if m != "final"]:
        d = np.load(os.path.join(member_work(a, name), f"oof-epoch{epoch}.npz"))
        oof[d["rows"]], seen[d["rows"]] = d["probs"], True
    assert seen[rows].all() if rows is not None else seen.all(), "the folds do not cover their texts"
    return oof


def teacher_targets(a, labels, keep):
    """--teacher-folds: the teachers' out-of-fold scores on the student's training texts (`keep`, in that order), at
    the epoch whose pooled scores reach the best 2-fold cross-fit macro-F1 (shrunk thresholds, --shrink)."""
    train_members(a, ARGV)
    _, tr_y = load_split(a.data, "train", len(labels))
    tr_y = tr_y[:a.smoke] if a.smoke else tr_y
    best = None
    for e in range(1, a.epochs + 1):
        oof = pooled_oof(a, tr_y, e, keep)[keep]
        k = protocol.resolve_k(oof, tr_y[keep], a.shrink)
        crossfit = protocol.crossfit_macro_f1(oof, tr_y[keep], k)
        print(f"teachers, epoch {e}: out-of-fold 2-fold cross-fit macro-F1 {crossfit:.4f} (k={k:g})", flush=True)
        if best is None or crossfit > best[1] + 1e-6:
            best = (e, crossfit, oof)
    print(f"teachers: soft targets from epoch {best[0]}", flush=True)
    return best[2]


def run(a, argv, labels):
    """Trains the members, pools their out-of-fold scores, and returns the final member's checkpoint at the chosen
    epoch (args: this run's flags) for finalize; the pooled scores go to --work/oof.npz (honest_report reads them)."""
    if a.holdout > 0 or a.teacher_seeds:
        sys.exit("--folds replaces --holdout, and does not combine with --teacher-seeds")
    wall_path = os.path.join(a.work, "members-wall-seconds.txt")
    if all(member_done(a, m) for m in members(a)) and os.path.exists(wall_path):
        wall = float(open(wall_path).read())
    else:
        wall = train_members(a, argv)
        open(wall_path, "w").write(f"{wall:.1f}\n")
    _, tr_y = load_split(a.data, "train", len(labels))
    tr_y = tr_y[:a.smoke] if a.smoke else tr_y
    history, best = [], None
    for e in range(1, a.epochs + 1):
        oof = pooled_oof(a, tr_y, e)
        k = protocol.resolve_k(oof, tr_y, a.shrink)
        th = protocol.shrunk_thresholds(oof, tr_y, k)[0]
        crossfit = protocol.crossfit_macro_f1(oof, tr_y, k)
        history.append({"epoch": e, "oof_macro_f1_tuned": protocol.macro_f1(oof, tr_y, th),
                        "oof_crossfit_macro_f1": crossfit, "shrink_k": k})
        print(f"k-fold epoch {e}: out-of-fold macro-F1 {history[-1]['oof_macro_f1_tuned']:.4f} "
              f"(2-fold cross-fit {crossfit:.4f}, k={k:g})", flush=True)
        if best is None or crossfit > best[1] + 1e-6:
            best = (e, crossfit, oof)
    epoch, _, oof = best
    np.savez(os.path.join(a.work, "oof.npz"), probs=oof, y=tr_y)
    ck = torch.load(os.path.join(member_work(a, "final"), f"goemotions-mini.epoch{epoch}.pt"))
    for i in range(a.folds):  # every member built the same vocabulary
        if torch.load(os.path.join(member_work(a, str(i)), "goemotions-mini.pt"))["tokenizer"] != ck["tokenizer"]:
            sys.exit(f"k-fold: fold {i} has another vocabulary than the final model")
    ck["args"] = {**vars(a), "fold": ""}
    ck["best_epoch"] = epoch
    ck["history"] = [{**h, **f} for h, f in zip(history, ck["history"])]
    ck["train_seconds"] = wall  # all members, --fold-jobs at once, wall clock
    torch.save(ck, os.path.join(a.work, "goemotions-mini.pt"))  # what --finalize-only rebuilds the bundle from
    return ck
