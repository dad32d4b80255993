"""Finalize step of the recipe: from a checkpoint, export the bundle (model.onnx, tokenizer, config, thresholds,
metrics, card) and the parity fixture. v1 runs tune thresholds on dev; honest runs (--holdout) tune them on the
held-out train slice and score dev once (honest_report). Called by train.py, which owns the flags: `defaults` is
vars(parse_args([]))."""
import hashlib
import json
import os

import numpy as np
import torch

from data import evaluate, load_split, predict, tune_thresholds
from emo_tokenizer import EmoTokenizer
from model import EmoEncoder, export_onnx
import export_parity
import hub_layout
import protocol

V2_FLAGS = ("holdout", "holdout_seed", "shrink", "ema", "aux_weight", "msd", "teacher_seeds", "distill_weight",
            "emb_lr_scale", "pos_weight_power", "min_oov", "subword_pieces", "folds", "fold_jobs", "teacher_folds",
            "mlm_epochs", "mlm_lr", "mlm_prob", "asl_gamma_neg", "asl_clip", "word_dropout")


def is_v1(args):
    return (not args.get("holdout") and not args.get("folds") and not args.get("teacher_folds") and not args.get("ema") and not args.get("aux_weight") and args.get("msd", 1) == 1
            and not args.get("teacher_seeds") and args.get("emb_lr_scale", 1.0) == 1.0
            and not args.get("pos_weight_power") and args.get("min_oov", 10) == 10 and not args.get("subword_pieces")
            and not args.get("mlm_epochs") and not args.get("asl_gamma_neg")
            and not args.get("word_dropout"))


def finalize(a, labels, ck, defaults):
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    tok = EmoTokenizer.from_hf_json(ck["tokenizer"])
    model = EmoEncoder(**ck["cfg"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    dv_x, dv_y = load_split(a.data, "dev", len(labels))
    probs = predict(model, [tok.encode(t, a.max_len) for t in dv_x], tok.pad_id)
    v1 = not ck["args"].get("holdout") and not ck["args"].get("folds")  # thresholds and figures on dev, as the v1 recipe did
    if v1:
        th = tune_thresholds(probs, dv_y)
        p, r, f, macro, micro = evaluate(probs, dv_y, th)
        _, _, f5, macro5, micro5 = evaluate(probs, dv_y, np.full(len(labels), 0.5))
    else:
        honest = honest_report(a, labels, ck, model, tok, probs, dv_y)
        th, p, r, f, f5 = honest["thresholds"], honest["p"], honest["r"], honest["f"], honest["f5"]
        macro, micro = honest["macro_f1"], honest["micro_f1"]
        macro5, micro5 = honest["at_0.5"]["macro_f1"], honest["at_0.5"]["micro_f1"]

    with open(os.path.join(a.out, "tokenizer.json"), "w", encoding="utf-8") as fh:
        json.dump(ck["tokenizer"], fh, ensure_ascii=False)
    with open(os.path.join(a.out, "tokenizer_config.json"), "w", encoding="utf-8") as fh:
        json.dump(EmoTokenizer.tokenizer_config(a.max_len), fh, indent=1)
        fh.write("\n")
    onnx_path = os.path.join(a.out, "model.onnx")
    export_onnx(model, onnx_path)
    cfg = ck["cfg"]
    config = {
        "architectures": ["EmoEncoderForSequenceClassification"],
        "model_type": hub_layout.MODEL_TYPE,  # what Hugging Face loaders accept; see hub_layout.py
        "name": "goemotions-mini",
        "problem_type": "multi_label_classification",
        "id2label": {str(i): l for i, l in enumerate(labels)},
        "label2id": {l: i for i, l in enumerate(labels)},
        "num_labels": len(labels),
        "vocab_size": cfg["vocab_size"],
        "embedding_size": cfg["emb_dim"],
        "hidden_size": cfg["d_model"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["ffn"],
        "hidden_act": "gelu",
        "max_position_embeddings": cfg["max_len"],
        "pooling": "mean",
        "pad_token_id": tok.pad_id,
        "cls_token_id": tok.cls_id,
        "unk_token_id": tok.unk_id,
        "layer_norm_eps": 1e-5,
        "torch_dtype": "float32",
        "onnx_opset": 14,
        "onnx_inputs": ["input_ids", "attention_mask"],
        "onnx_outputs": ["logits"],
    }
    hub_layout.write_config(a.out, config)
    hub_layout.link_hub_layout(a.out)
    thr = {l: float(t) for l, t in zip(labels, th)}
    version = ("dev-" if v1 else "oof-" if ck["args"].get("folds") else "slice-") + hashlib.sha256(json.dumps(thr, sort_keys=True).encode()).hexdigest()[:8]
    tuned_on = "GoEmotions dev (per-label F1-optimal on a 0.01 grid)" if v1 else (
        (f"the out-of-fold scores of {ck['args']['folds']} models over all of GoEmotions train (stratified folds, seed "
         f"{ck['args']['holdout_seed']}; each text scored by the model that did not train on it)" if ck['args'].get('folds')
         else f"a held-out {ck['args']['holdout']:.0%} stratified slice of GoEmotions train (seed "
         f"{ck['args']['holdout_seed']}, not trained on)") + ": per-label F1-optimal on a 0.01 grid, shrunk toward the "
        f"best single threshold by support, (n*t + {honest['shrink_k']:g}*t_global)/(n + {honest['shrink_k']:g})"
        + (", k chosen by 2-fold cross-fit on those scores" if str(ck['args']['shrink']) == "auto" else ""))
    with open(os.path.join(a.out, "thresholds.json"), "w") as fh:
        json.dump({"version": version, "tuned_on": tuned_on, "thresholds": thr}, fh, indent=1)
        fh.write("\n")
    counts = dv_y.sum(0)
    metrics_path = os.path.join(a.out, "metrics.json")
    old = json.load(open(metrics_path)) if os.path.exists(metrics_path) else {}
    metrics = {
        "model": "goemotions-mini",
        "split": "dev",
        "n": int(len(dv_x)),
        "macro_f1": macro,
        "micro_f1": micro,
        "thresholds_version": version,
        "note": "thresholds were tuned on this same dev split: these F1 figures are optimistic" if v1 else
                ("thresholds and the epoch count were chosen on out-of-fold scores over train; the model was trained on "
                 "all of train; dev was scored once, untouched" if ck["args"].get("folds") else
                 "thresholds and the epoch were chosen on a held-out slice of train; dev was scored once, untouched"),
        "untuned_at_0.5": {"macro_f1": macro5, "micro_f1": micro5},
        "per_label": {l: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                          "f1_at_0.5": float(f5[i]), "threshold": float(th[i]), "support": int(counts[i])}
                      for i, l in enumerate(labels)},
        "best_epoch": ck["best_epoch"],
        "history": ck["history"],
        **({"mlm_history": ck["mlm_history"]} if ck.get("mlm_history") else {}),
        "train_seconds": round(ck["train_seconds"], 1),
        "parameters": ck["n_params"],
        "onnx_bytes": os.path.getsize(onnx_path),
        "vocab": ck["vocab_info"],
        "hyperparameters": {k: v for k, v in ck["args"].items()
                            if k not in ("out", "data", "work", "fixture", "finalize_only", "checkpoint", "smoke", "fold",
                                         "fold_jobs") + (V2_FLAGS if is_v1(ck["args"]) else ())},
        "command": "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 "
                   "tools/train/train.py --out models/goemotions-mini" + v2_command(ck["args"], defaults),
        "torch": torch.__version__,
    }
    if not v1:
        metrics["honest"] = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in honest.items()
                             if k not in ("thresholds", "p", "r", "f", "f5", "per_label_unshrunk")}
        metrics["honest"]["per_label_unshrunk_thresholds"] = dict(zip(labels, honest["per_label_unshrunk"].tolist()))
        metrics["honest"]["dev_macro_f1_ci95_method"] = "percentile bootstrap, 1,000 resamples of the dev texts, seed 13"
        metrics["honest"]["ece_method"] = "15 equal-width bins over all (text, label) sigmoid scores"
        if "v1" in old:
            metrics["v1"] = old["v1"]
    if "onnxruntime" in old:  # figures measured by tools/train/bench_ort.mjs survive a re-finalize
        metrics["onnxruntime"] = old["onnxruntime"]
    with open(metrics_path, "w") as fh:
        json.dump(metrics, fh, indent=1)
        fh.write("\n")
    dv_texts = dv_x
    export_parity.write_fixture(model, tok, labels, "multi_label_classification", a.max_len,
                                export_parity.pick_texts(dv_texts), a.fixture, "goemotions-mini")
    print(f"dev ({'thresholds tuned on dev' if v1 else 'untouched'}): macro-F1 {macro:.4f} micro-F1 {micro:.4f}; "
          f"at 0.5: macro-F1 {macro5:.4f} micro-F1 {micro5:.4f}")
    print(f"wrote {a.out} (model.onnx {os.path.getsize(onnx_path) / 1e6:.1f} MB) and {a.fixture}")
    try:
        import card
        card.write_card(a.out)
    except Exception as e:  # the card can be regenerated with tools/train/card.py
        print("model card not written:", e)
    return metrics


def v2_command(args, defaults):
    """The flags of a run that differ from the defaults (none for the v1 recipe)."""
    d = defaults
    skip = ("out", "data", "work", "fixture", "finalize_only", "checkpoint", "smoke", "fold", "fold_jobs")
    flags = [k for k in d if k not in skip and args.get(k, d[k]) != d[k]]
    return "".join(f" --{k.replace('_', '-')} " + (f"{args[k]:g}" if isinstance(args[k], float) else f"{args[k]}")
                   for k in flags)


def honest_report(a, labels, ck, model, tok, probs_dev, dv_y):
    """Re-derives the held-out slice, scores it, tunes (shrunk) thresholds on it and applies them to dev once."""
    args = ck["args"]
    if args.get("folds"):  # the pooled out-of-fold scores over all of train (kfold.py)
        oof = np.load(os.path.join(a.work, "oof.npz"))
        probs_hold, y_hold = oof["probs"], oof["y"]
    else:
        tr_x, tr_y = load_split(a.data, "train", len(labels))
        _, hold = protocol.holdout_split(tr_y, args["holdout"], args["holdout_seed"])
        probs_hold = predict(model, [tok.encode(tr_x[i], a.max_len) for i in hold], tok.pad_id)
        y_hold = tr_y[hold]
    os.makedirs(a.work, exist_ok=True)
    np.savez(os.path.join(a.work, "probs.npz"), dev=probs_dev, dev_y=dv_y, hold=probs_hold, hold_y=y_hold)
    rep = protocol.report(probs_hold, y_hold, probs_dev, dv_y, labels, args["shrink"])
    lo, hi = rep["macro_f1_ci95"]
    print(f"dev (untouched; thresholds from {'out-of-fold scores' if args.get('folds') else 'the train slice'}, shrink k={rep['shrink_k']:g} ({args['shrink']})): macro-F1 "
          f"{rep['macro_f1']:.4f} [95% CI {lo:.4f}-{hi:.4f}] micro-F1 {rep['micro_f1']:.4f} ECE {rep['ece']:.4f}")
    for row in rep["shrinkage_ablation"]:
        print(f"  shrink k={row['k']}: slice macro-F1 {row['holdout_macro_f1']:.4f} (2-fold cross-fit "
              f"{row.get('holdout_crossfit_macro_f1', float('nan')):.4f}) dev {row['dev_macro_f1']:.4f}")
    return rep
