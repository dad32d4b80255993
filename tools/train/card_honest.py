"""MODEL_CARD.md sections of a bundle trained under the honest protocol (`train.py --holdout`, issue 19).

card.py renders the v1 card; for a bundle whose metrics.json has an `honest` block, `rewrite` swaps the v1 wording
(dev used for early stopping and thresholds) for what the honest recipe did, and adds the calibration, interval,
shrinkage and previous-model figures. A v1 bundle's card is left byte-for-byte as card.py writes it.
"""


def history_rows(m):
    if "oof_macro_f1_tuned" in m["history"][0]:  # k-fold: the final model's loss, the folds' pooled scores
        return "\n".join(
            f"| {h['epoch']} | {h['train_loss']:.4f} | {h['oof_macro_f1_tuned']:.4f} | {h['oof_crossfit_macro_f1']:.4f} | "
            f"k = {h['shrink_k']:g} | {h['seconds']:.0f} |" for h in m["history"])
    pre = "dev" if "dev_macro_f1_tuned" in m["history"][0] else "slice"
    return "\n".join(
        f"| {h['epoch']} | {h['train_loss']:.4f} | {h[pre + '_macro_f1_tuned']:.4f} | {h[pre + '_micro_f1_tuned']:.4f} | "
        f"{h[pre + '_macro_f1_at_0.5']:.4f} | {h['seconds']:.0f} |" for h in m["history"])


def _swap(text, old, new):
    assert old in text, old[:60]
    return text.replace(old, new)


def rewrite(text, m, th):
    h = m["honest"]
    hp = m["hyperparameters"]
    k = h.get("shrink_k", hp.get("shrink", 50))
    frac, folds = hp.get("holdout", 0.1), hp.get("folds", 0)
    src = "the pooled out-of-fold scores" if folds else "the train slice"
    if folds:
        text = _swap(text, "dev split (5,426) for early stopping and\n  threshold tuning.",
                     f"{folds} stratified folds of train: {folds} models, each trained without one fold, score the fold\n"
                     "  they did not see; those out-of-fold scores over all of train choose the epoch count and the\n"
                     "  thresholds, and the shipped model is trained on all of train for that many epochs. The dev split\n"
                     "  (5,426) is scored once, at the end, and reported untouched.")
        text = _swap(text, "early stopping on dev macro-F1", "the epoch count chosen on out-of-fold scores")
        text = _swap(text, "| epoch | train loss | dev macro-F1 (tuned) | dev micro-F1 (tuned) | dev macro-F1 @0.5 |",
                     "| epoch | train loss (shipped model) | out-of-fold macro-F1 (tuned) | out-of-fold, 2-fold cross-fit | "
                     "shrinkage |")
    else:
        text = _swap(text, "dev split (5,426) for early stopping and\n  threshold tuning.",
                     f"a seeded, stratified {frac:.0%} slice of train held out (not trained on) for epoch selection and\n"
                     "  thresholds; the dev split (5,426) is scored once, at the end, and reported untouched.")
        text = _swap(text, "early stopping on dev macro-F1", "early stopping on the train slice's macro-F1")
        text = _swap(text, "| epoch | train loss | dev macro-F1 (tuned) | dev micro-F1 (tuned) | dev macro-F1 @0.5 |",
                     "| epoch | train loss | slice macro-F1 (tuned) | slice micro-F1 (tuned) | slice macro-F1 @0.5 |")
    lo, hi = h["macro_f1_ci95"]
    ev = f"""| | macro-F1 | micro-F1 |
| --- | ---: | ---: |
| thresholds from {src} (`thresholds.json`, version `{th['version']}`) | **{m['macro_f1']:.4f}** (95 % CI {lo:.4f}–{hi:.4f}) | **{m['micro_f1']:.4f}** |
| one threshold 0.5 for all labels | {h['at_0.5']['macro_f1']:.4f} | {h['at_0.5']['micro_f1']:.4f} |

Neither the epoch nor the thresholds saw dev: both were chosen on {src}. Thresholds: per label,
the F1-optimal one on those scores (0.01 grid), shrunk toward the best single threshold ({h['global_threshold']:.2f}) by the label's
support n in them, t = (n·t_label + {k:g}·t_global)/(n + {k:g}). 95 % CI: {h['dev_macro_f1_ci95_method']}.
Calibration: ECE {h['ece']:.4f} ({h['ece_method']}).

Effect of the shrinkage (k = 0: unregularised per-label thresholds; dev figures for information only, k was fixed
before dev was scored):

| k | {"out-of-fold" if folds else "slice"} macro-F1 (tuned on itself) | {"out-of-fold" if folds else "slice"}, 2-fold cross-fit | dev macro-F1 |
| --- | ---: | ---: | ---: |
""" + "\n".join(f"| {r['k']} | {r['holdout_macro_f1']:.4f} | {r.get('holdout_crossfit_macro_f1', float('nan')):.4f} | "
                f"{r['dev_macro_f1']:.4f} |" for r in h["shrinkage_ablation"])
    if "v1" in m:
        v1 = m["v1"]
        ev += f"""

Previous model (v1, `{v1.get('thresholds_version', '?')}`) on the same dev split, for comparison: {v1['macro_f1']:.4f} macro-F1 with
thresholds tuned on dev itself (optimistic), {v1['at_0.5']:.4f} at 0.5, {v1.get('slice_thresholds', float('nan')):.4f} with one
threshold chosen on train; an independent held-out GoEmotions test figure of 0.472 (dev-tuned thresholds)."""
    start = text.index("| | macro-F1 | micro-F1 |")
    end = text.index("Per label (thresholds tuned on dev):")
    text = text[:start] + ev + "\n\n" + text[end:]
    text = _swap(text, "Per label (thresholds tuned on dev):", f"Per label (dev, untouched; thresholds from {src}):")
    text = _swap(text, "The default thresholds maximise per-label F1 on dev;",
                 "The default thresholds maximise per-label F1 on " + ("out-of-fold scores over train" if folds else
                 "a held-out train slice") + " (shrunk toward one global value);")
    return text
