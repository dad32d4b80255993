"""Honest evaluation protocol (issue 19): a held-out slice of train for model selection and thresholds, dev untouched.

- `holdout_split`: a seeded, stratified slice of train (stratified on each example's rarest label, so every label,
  grief and pride included, keeps ~`frac` of its examples in the slice).
- `shrunk_thresholds`: per-label F1-optimal thresholds on the slice, shrunk toward one global threshold by support,
  t = (n·t_label + k·t_global) / (n + k), n = positives of that label in the slice (rare labels move the most).
- `bootstrap_macro_f1`: seeded bootstrap (resampling texts) 95 % interval of macro-F1.
- `ece`: expected calibration error over all (text, label) scores, 15 equal-width bins.
- Auxiliary coarse targets (Ekman 6 + sentiment 3) from the GoEmotions paper's mappings, for the multi-task head.
"""
import numpy as np

GRID = np.round(np.arange(0.01, 0.96, 0.01), 2)

EKMAN = {
    "anger": ["anger", "annoyance", "disapproval"],
    "disgust": ["disgust"],
    "fear": ["fear", "nervousness"],
    "joy": ["joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism", "relief", "pride",
            "admiration", "desire", "caring"],
    "sadness": ["sadness", "disappointment", "embarrassment", "grief", "remorse"],
    "surprise": ["surprise", "realization", "confusion", "curiosity"],
}
SENTIMENT = {
    "positive": ["amusement", "excitement", "joy", "love", "desire", "optimism", "caring", "pride", "admiration",
                 "gratitude", "relief", "approval"],
    "negative": ["fear", "nervousness", "remorse", "embarrassment", "disappointment", "sadness", "grief", "disgust",
                 "anger", "annoyance", "disapproval"],
    "ambiguous": ["realization", "surprise", "curiosity", "confusion"],
}


def aux_matrix(labels):
    """[num_labels, 9] 0/1 matrix: fine label -> Ekman group (6) and sentiment group (3); aux target = any member."""
    groups = list(EKMAN.values()) + list(SENTIMENT.values())
    m = np.zeros((len(labels), len(groups)), dtype=np.float32)
    for j, members in enumerate(groups):
        for l in members:
            m[labels.index(l), j] = 1.0
    return m


def holdout_split(y, frac, seed):
    """Indices (train_rows, holdout_rows): per stratum (the example's rarest label), a seeded `frac` share held out."""
    freq = y.sum(0)
    rarest = np.array([np.flatnonzero(r)[np.argmin(freq[np.flatnonzero(r)])] for r in y])
    rng = np.random.RandomState(seed)
    hold = []
    for lab in range(y.shape[1]):
        rows = np.flatnonzero(rarest == lab)
        rows = rows[rng.permutation(len(rows))]
        hold.extend(rows[:int(round(frac * len(rows)))].tolist())
    hold = np.array(sorted(hold), dtype=np.int64)
    keep = np.setdiff1d(np.arange(len(y)), hold)
    return keep, hold


def kfold_split(y, k, seed, fold):
    """Indices (train_rows, fold_rows) of fold `fold` of a seeded, stratified k-way partition of train (same strata as
    holdout_split: every text is in exactly one fold, and each label's examples spread evenly over the folds)."""
    folds = kfold_assign(y, k, seed)
    return np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)


def teacher_fold_split(y, frac, seed, k, fold):
    """Indices (train_rows, fold_rows) of teacher fold `fold` of a --teacher-folds student: the student's training
    texts (train minus its holdout_split slice) in k stratified folds; the slice is in neither."""
    keep, _ = holdout_split(y, frac, seed)
    folds = kfold_assign(y[keep], k, seed)
    return keep[folds != fold], keep[folds == fold]


def kfold_assign(y, k, seed):
    """The fold (0..k-1) of every row: per stratum (the example's rarest label), seeded order, dealt round-robin."""
    freq = y.sum(0)
    rarest = np.array([np.flatnonzero(r)[np.argmin(freq[np.flatnonzero(r)])] for r in y])
    rng = np.random.RandomState(seed)
    folds, start = np.zeros(len(y), dtype=np.int64), 0
    for lab in range(y.shape[1]):
        rows = np.flatnonzero(rarest == lab)
        rows = rows[rng.permutation(len(rows))]
        folds[rows] = (start + np.arange(len(rows))) % k
        start += len(rows)
    return folds


def prf(y, pred):
    tp = (pred * y).sum(0)
    fp = (pred * (1 - y)).sum(0)
    fn = ((1 - pred) * y).sum(0)
    p = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    r = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
    f = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)
    mtp, mfp, mfn = tp.sum(), fp.sum(), fn.sum()
    micro = 2 * mtp / max(2 * mtp + mfp + mfn, 1)
    return p, r, f, float(f.mean()), float(micro)


def per_label_best(probs, y):
    best_t = np.full(y.shape[1], 0.5)
    best_f = np.full(y.shape[1], -1.0)
    for t in GRID:
        _, _, f, _, _ = prf(y, (probs >= t).astype(np.float32))
        better = f > best_f + 1e-12
        best_f[better], best_t[better] = f[better], t
    return best_t


def global_best(probs, y):
    """The one grid threshold with the best macro-F1 on these rows (ties: the lowest)."""
    best_t, best_m = 0.5, -1.0
    for t in GRID:
        m = prf(y, (probs >= t).astype(np.float32))[3]
        if m > best_m + 1e-12:
            best_t, best_m = float(t), m
    return best_t


def shrunk_thresholds(probs, y, k):
    """Per-label thresholds shrunk toward the global one: (n·t_label + k·t_global)/(n + k), rounded to 0.01."""
    t_lab = per_label_best(probs, y)
    t_glob = global_best(probs, y)
    n = y.sum(0)
    t = (n * t_lab + k * t_glob) / np.maximum(n + k, 1e-12)
    return np.round(t, 2), t_lab, t_glob


def macro_f1(probs, y, th):
    return prf(y, (probs >= th[None, :]).astype(np.float32))[3]


def bootstrap_macro_f1(probs, y, th, n_boot=1000, seed=13):
    """Seeded percentile bootstrap (texts resampled with replacement) of macro-F1: (low, high) of the 95 % interval."""
    pred = (probs >= th[None, :]).astype(np.float32)
    rng = np.random.RandomState(seed)
    vals = np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.randint(0, len(y), len(y))
        vals[b] = prf(y[rows], pred[rows])[3]
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def ece(probs, y, bins=15):
    """Expected calibration error of the sigmoid scores, all (text, label) pairs pooled, equal-width bins."""
    p, t = probs.ravel(), y.ravel()
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(p[m].mean() - t[m].mean())
    return float(total / len(p))


def crossfit_macro_f1(probs, y, k, seed=13):
    """Honest score of a shrinkage k without dev: tune on one seeded half of the slice, score the other, both ways."""
    perm = np.random.RandomState(seed).permutation(len(y))
    a, b = perm[:len(y) // 2], perm[len(y) // 2:]
    return float(np.mean([macro_f1(probs[t], y[t], shrunk_thresholds(probs[f], y[f], k)[0])
                          for f, t in ((a, b), (b, a))]))


KS = (0, 10, 25, 50, 100, 200)


def resolve_k(probs, y, k):
    """A number, or "auto": the k (of KS, or 1e9 = global only) with the best 2-fold cross-fit macro-F1 on these rows."""
    if str(k) != "auto":
        return float(k)
    best_k, best_m = 0.0, -1.0
    for kk in KS + (1e9,):
        m = crossfit_macro_f1(probs, y, kk)
        if m > best_m + 1e-12:
            best_k, best_m = float(kk), m
    return best_k


def report(probs_hold, y_hold, probs_dev, y_dev, labels, k, ks=KS):
    """Thresholds from the held-out slice (shrinkage k, or "auto"), applied to dev once; plus the shrinkage ablation."""
    k = resolve_k(probs_hold, y_hold, k)
    th, t_lab, t_glob = shrunk_thresholds(probs_hold, y_hold, k)
    p, r, f, macro, micro = prf(y_dev, (probs_dev >= th[None, :]).astype(np.float32))
    _, _, f5, macro5, micro5 = prf(y_dev, (probs_dev >= 0.5).astype(np.float32))
    lo, hi = bootstrap_macro_f1(probs_dev, y_dev, th)
    shrink = []
    for kk in ks:
        thk = shrunk_thresholds(probs_hold, y_hold, kk)[0]
        shrink.append({"k": kk, "holdout_macro_f1": macro_f1(probs_hold, y_hold, thk),
                       "holdout_crossfit_macro_f1": crossfit_macro_f1(probs_hold, y_hold, kk),
                       "dev_macro_f1": macro_f1(probs_dev, y_dev, thk)})
    shrink.append({"k": "global only", "holdout_macro_f1": macro_f1(probs_hold, y_hold, np.full(len(labels), t_glob)),
                   "holdout_crossfit_macro_f1": crossfit_macro_f1(probs_hold, y_hold, 1e9),
                   "dev_macro_f1": macro_f1(probs_dev, y_dev, np.full(len(labels), t_glob))})
    return {
        "thresholds": th, "global_threshold": t_glob, "shrink_k": k, "per_label_unshrunk": t_lab,
        "macro_f1": macro, "micro_f1": micro, "macro_f1_ci95": [lo, hi],
        "at_0.5": {"macro_f1": macro5, "micro_f1": micro5},
        "ece": ece(probs_dev, y_dev), "holdout_support": y_hold.sum(0).astype(int).tolist(),
        "shrinkage_ablation": shrink, "p": p, "r": r, "f": f, "f5": f5,
    }
