"""Reproducible training recipe of the default emotion model (goemotions-mini).

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/train/train.py \
      --out models/goemotions-mini

Trains a compact transformer encoder (GloVe-initialised word embeddings) on GoEmotions train, early-stops on
dev macro-F1 (per-label thresholds tuned on dev), exports ONNX + tokenizer + config + thresholds + metrics +
model card into --out and writes the parity fixture. Intermediate files go to --work (default /tmp/emo-train).
`--finalize-only` rebuilds the bundle from the saved checkpoint without training.
"""
import argparse
import os
import random
import sys
import time

# OpenBLAS (numpy's and torch's BLAS here) splits a product differently with another thread count, and the weights
# then differ in their last bits: 1 thread (or OMP_NUM_THREADS=1, which OpenBLAS also reads) gives another
# model.onnx than the 2 it defaults to on the 2-core machines that trained the shipped models. Pinned, so the
# command reproduces them on any core count; set it yourself to trade that for speed (e.g. two runs at once: 1).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "../.."))
sys.dont_write_bytecode = True  # no __pycache__ inside the repo
sys.path.insert(0, HERE)
from model import EmoEncoder  # noqa: E402
from vocab import build_vocab  # noqa: E402
import distill  # noqa: E402
import finalize  # noqa: E402
import kfold  # noqa: E402
import losses  # noqa: E402
import mlm  # noqa: E402
import optim  # noqa: E402
from data import collate, evaluate, load_split, make_batches, predict, tune_thresholds  # noqa: E402
import protocol  # noqa: E402

DATA = os.path.normpath(os.path.join(REPO, "../shared/datasets/goemotions/original"))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "models/goemotions-mini"))
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--work", default="/tmp/emo-train")
    ap.add_argument("--fixture", default=os.path.join(REPO, "test/fixtures/parity/goemotions-mini.json"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--patience", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=7e-4)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.06, help="fraction of total steps")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--finalize-only", action="store_true")
    ap.add_argument("--smoke", type=int, default=0, help="train on the first N train rows only (a smoke test)")
    ap.add_argument("--checkpoint", default="goemotions-mini.pt",
                    help="--finalize-only: the checkpoint in --work (goemotions-mini.raw.pt: the raw weights of an --ema run)")
    # issue 19 (honest protocol and v2 candidates); every default leaves the shipped recipe unchanged
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="hold out this stratified share of train for epoch selection and thresholds; dev is then "
                         "only scored once, at the end (0 = the v1 recipe: selection and thresholds on dev)")
    ap.add_argument("--holdout-seed", type=int, default=13)
    ap.add_argument("--shrink", default="auto",
                    help="with --holdout: per-label thresholds shrunk toward the global one, (n*t+k*t_glob)/(n+k); "
                         "a number, or auto: the k of 0..200 (or global only) with the best 2-fold cross-fit on the slice")
    ap.add_argument("--ema", type=float, default=0.0, help="EMA decay of the weights evaluated/exported (0 = off)")
    ap.add_argument("--aux-weight", type=float, default=0.0,
                    help="weight of an auxiliary Ekman(6)+sentiment(3) BCE head on the pooled features (0 = off)")
    ap.add_argument("--msd", type=int, default=1, help="multi-sample dropout: classifier dropout samples averaged")
    ap.add_argument("--emb-lr-scale", type=float, default=1.0,
                    help="learning rate of the word embeddings relative to --lr (0 = the GloVe-initialised table frozen)")
    ap.add_argument("--pos-weight-power", type=float, default=0.0,
                    help="BCE weight of a label's positives: (negatives/positives)^P in the training texts, at most 30 "
                         "(0 = unweighted)")
    ap.add_argument("--asl-gamma-neg", type=float, default=0.0,
                    help="asymmetric loss (Ridnik et al. 2021): negatives' term scaled by p_m^G, p_m = max(p - clip, 0), "
                         "so easy negatives stop dominating (0 = plain BCE)")
    ap.add_argument("--asl-clip", type=float, default=0.05, help="with --asl-gamma-neg: the probability margin m")
    ap.add_argument("--word-dropout", type=float, default=0.0,
                    help="share of a training text's words shown as [UNK] in each step (not [CLS], not padding; a "
                         "generator of its own, so 0 draws no random numbers: the default run is unchanged)")
    ap.add_argument("--min-oov", type=int, default=10,
                    help="train words outside GloVe seen at least this often get their own embedding row")
    ap.add_argument("--subword-pieces", type=int, default=0,
                    help="add '##' continuation pieces (all characters + this many substrings) so that words still "
                         "outside the vocabulary become WordPiece pieces instead of [UNK] (0 = off)")
    ap.add_argument("--folds", type=int, default=0,
                    help="k-fold protocol: train k models, each with one fold of train held out; their out-of-fold "
                         "scores over all of train choose the thresholds (shrunk as --shrink says) and the epoch count; "
                         "the shipped model is then trained on all of train for that many epochs (0 = off)")
    ap.add_argument("--fold", default="", help=argparse.SUPPRESS)  # internal: one fold's run ("0".."k-1", or "final")
    ap.add_argument("--fold-jobs", type=int, default=2,
                    help="with --folds: training processes run at once (one --threads each; the result is the same)")
    ap.add_argument("--teacher-folds", type=int, default=0,
                    help="with --holdout: distil from K teachers trained on K folds of the student's training texts, "
                         "each text's soft target the score of the teacher that did not train on it (the slice is "
                         "never seen by any teacher); target = --distill-weight * that score + (1 - w) * the label "
                         "(0 = off)")
    ap.add_argument("--teacher-seeds", default="",
                    help="distillation: comma-separated teachers, each a seed (this run's other flags) or SEED/flag=value/... "
                         "(other flags too); trained in --work/teacher-<seed>[-<flag><value>…] or reused from there; "
                         "their mean scores on the training texts become soft targets (empty = off)")
    ap.add_argument("--mlm-epochs", type=int, default=0,
                    help="masked-language-model pretraining epochs on the training texts before fine-tuning (mlm.py)")
    ap.add_argument("--mlm-lr", type=float, default=1e-3, help="peak learning rate of the MLM pretraining")
    ap.add_argument("--mlm-prob", type=float, default=0.15, help="share of word positions masked per text")
    ap.add_argument("--distill-weight", type=float, default=0.5,
                    help="with --teacher-seeds: target = w * teachers' mean score + (1 - w) * the label")
    return ap.parse_args(argv)


class EMA:
    """Exponential moving average of the weights (warm-up: decay min(d, (1+s)/(10+s))); `model` holds the average."""

    def __init__(self, model, decay):
        import copy
        self.model, self.decay, self.steps = copy.deepcopy(model), decay, 0
        self.model.eval()

    @torch.no_grad()
    def update(self, model):
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1 - d)


def train(a, labels):
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(a.threads)
    t_start = time.time()
    tr_x, tr_y = load_split(a.data, "train", len(labels))
    dv_x, dv_y = load_split(a.data, "dev", len(labels))
    if a.smoke:
        tr_x, tr_y = tr_x[:a.smoke], tr_y[:a.smoke]
    tok, emb, vocab_info = build_vocab(tr_x, min_oov=a.min_oov, subword_pieces=a.subword_pieces)
    tr_ids = [tok.encode(t, a.max_len) for t in tr_x]
    dv_ids = [tok.encode(t, a.max_len) for t in dv_x]
    honest, final = a.holdout > 0 or a.folds > 0, a.fold == "final"
    hold = None
    if honest and not final:  # honest protocol: select and tune on a slice of train; dev is not looked at here
        if a.teacher_folds > 0 and a.fold != "":  # a teacher of a --teacher-folds student (kfold.teacher_targets)
            keep, hold = protocol.teacher_fold_split(tr_y, a.holdout, a.holdout_seed, a.teacher_folds, int(a.fold))
        else:
            keep, hold = (protocol.kfold_split(tr_y, a.folds, a.holdout_seed, int(a.fold)) if a.folds > 0 else
                          protocol.holdout_split(tr_y, a.holdout, a.holdout_seed))
        dv_ids, dv_y = [tr_ids[i] for i in hold], tr_y[hold]
        tr_ids, tr_y = [tr_ids[i] for i in keep], tr_y[keep]
    elif final:  # k-fold's shipped model: all of train, the folds' epoch count, nothing to select on
        dv_ids, dv_y = [], None
    soft = distill.teacher_scores(a, labels, tok, tr_ids, train, predict, vars(parse_args([]))) if a.teacher_seeds else None
    if a.teacher_folds > 0 and a.fold == "":
        if a.holdout <= 0 or a.folds > 0 or a.teacher_seeds:
            sys.exit("--teacher-folds needs --holdout, and does not combine with --folds or --teacher-seeds")
        soft = kfold.teacher_targets(a, labels, keep)
    if soft is not None:  # distillation: the label softened toward what the teachers say of the same text
        tr_y = (a.distill_weight * soft + (1.0 - a.distill_weight) * tr_y).astype(np.float32)
        torch.manual_seed(a.seed)  # the student starts the same whether its teachers were trained here or reused
        random.seed(a.seed)
        np.random.seed(a.seed)
    print(f"data: train {len(tr_ids)} selection ({'train slice' if honest else 'dev'}) {len(dv_ids)}; "
          f"vocab {vocab_info}", flush=True)

    model = EmoEncoder(len(tok.id_to_token), len(labels), emb_dim=emb.shape[1], d_model=a.d_model,
                       layers=a.layers, heads=a.heads, ffn=a.ffn, max_len=a.max_len, dropout=a.dropout,
                       pad_id=tok.pad_id)
    with torch.no_grad():
        model.tok_emb.weight.copy_(torch.from_numpy(emb))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params:,} parameters", flush=True)
    # What every checkpoint of this run carries besides its weights (save_ck).
    run = {"t_start": t_start, "n_params": n_params, "vocab_info": vocab_info, "tok": tok,
           "mlm_history": mlm.pretrain(a, model, tr_ids, tok) if a.mlm_epochs > 0 else []}
    aux_head, aux_m = None, None
    if a.aux_weight > 0:  # training-only head, not exported
        aux_head = torch.nn.Linear(a.d_model, 9)
        aux_m = protocol.aux_matrix(labels)
    ema = EMA(model, a.ema) if a.ema > 0 else None

    named = list(model.named_parameters()) + (list(aux_head.named_parameters()) if aux_head else [])
    word_emb = [] if a.emb_lr_scale == 1.0 else [p for n, p in named if n == "tok_emb.weight"]
    if a.emb_lr_scale == 0.0:
        model.tok_emb.weight.requires_grad_(False)
    named = [(n, p) for n, p in named if not any(p is w for w in word_emb)]
    groups = optim.decay_groups(named, a.weight_decay)
    if word_emb and a.emb_lr_scale > 0:
        groups.append({"params": word_emb, "weight_decay": 0.0, "lr": a.lr * a.emb_lr_scale})
    opt = torch.optim.AdamW(groups, lr=a.lr)
    pos_weight = None
    if a.pos_weight_power > 0:  # rare labels' positives weigh more (computed from the training labels only)
        pos = np.maximum((tr_y > 0.5).sum(0), 1.0)
        pos_weight = torch.from_numpy(np.minimum(((len(tr_y) - pos) / pos) ** a.pos_weight_power, 30.0).astype(np.float32))
    steps_per_epoch = -(-len(tr_ids) // a.batch_size)
    sched = optim.warmup_linear(opt, a.warmup, steps_per_epoch * a.epochs)
    rng = np.random.default_rng(a.seed)
    word_rng = np.random.default_rng(a.seed + 7919) if a.word_dropout > 0 else None
    lengths = [len(x) for x in tr_ids]
    history, best, bad, best_raw = [], None, 0, None
    for epoch in range(1, a.epochs + 1):
        model.train()
        t0, tot_loss = time.time(), 0.0
        for bi, rows in enumerate(make_batches(lengths, a.batch_size, rng)):
            ids, mask = collate(tr_ids, rows, tok.pad_id)
            if word_rng is not None:
                ids = losses.hide_words(ids, mask, word_rng, a.word_dropout, tok.unk_id)
            y = torch.from_numpy(tr_y[rows])
            if aux_head is None and a.msd == 1:
                loss = losses.multilabel_loss(model(ids, mask), y, pos_weight, a)
            else:
                pooled = model.pool(ids, mask)
                logits = sum(model.classifier(model.drop(pooled)) for _ in range(a.msd)) / a.msd
                loss = losses.multilabel_loss(logits, y, pos_weight, a)
                if aux_head is not None:
                    ya = torch.from_numpy(np.minimum(tr_y[rows] @ aux_m, 1.0))
                    loss = loss + a.aux_weight * F.binary_cross_entropy_with_logits(aux_head(model.drop(pooled)), ya)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if ema is not None:
                ema.update(model)
            tot_loss += loss.item()
            if (bi + 1) % 200 == 0:
                print(f"  epoch {epoch} step {bi + 1}/{steps_per_epoch} loss {tot_loss / (bi + 1):.4f} "
                      f"({time.time() - t0:.0f}s)", flush=True)
        if final:  # the last epoch is the one shipped
            history.append({"epoch": epoch, "train_loss": tot_loss / steps_per_epoch, "seconds": time.time() - t0})
            print(f"epoch {epoch}: loss {history[-1]['train_loss']:.4f} {history[-1]['seconds']:.0f}s", flush=True)
            best = {"macro": None, "epoch": epoch,
                    "state": {k: v.detach().clone() for k, v in (ema.model if ema else model).state_dict().items()}}
            save_ck(a, model, best, history, run, f"goemotions-mini.epoch{epoch}.pt")
            continue
        probs = predict(ema.model if ema else model, dv_ids, tok.pad_id)
        if a.fold != "":  # a k-fold member: its out-of-fold scores at every epoch, for kfold.py to pool
            np.savez(os.path.join(a.work, f"oof-epoch{epoch}.npz"), rows=hold, probs=probs)
        th = tune_thresholds(probs, dv_y) if not honest else protocol.shrunk_thresholds(
            probs, dv_y, protocol.resolve_k(probs, dv_y, a.shrink))[0]
        _, _, _, macro, micro = evaluate(probs, dv_y, th)
        _, _, _, macro5, micro5 = evaluate(probs, dv_y, np.full(len(labels), 0.5))
        sel = "dev" if not honest else "train-slice"
        pre = "dev" if not honest else "slice"
        h = {"epoch": epoch, "train_loss": tot_loss / steps_per_epoch, f"{pre}_macro_f1_tuned": macro,
             f"{pre}_micro_f1_tuned": micro, f"{pre}_macro_f1_at_0.5": macro5, f"{pre}_micro_f1_at_0.5": micro5,
             "seconds": time.time() - t0}
        history.append(h)
        print(f"epoch {epoch}: loss {h['train_loss']:.4f} {sel} macro-F1 {macro:.4f} micro-F1 {micro:.4f} "
              f"(@0.5: {macro5:.4f}/{micro5:.4f}) {h['seconds']:.0f}s", flush=True)
        if ema is not None:  # the raw weights too, selected on their own: the "+EMA" ablation from the same run
            pr = predict(model, dv_ids, tok.pad_id)
            mr = evaluate(pr, dv_y, protocol.shrunk_thresholds(pr, dv_y, protocol.resolve_k(pr, dv_y, a.shrink))[0])[3]
            h["raw_macro_f1_tuned"] = mr
            print(f"  raw (no EMA) weights: {sel} macro-F1 {mr:.4f}", flush=True)
            if best_raw is None or mr > best_raw["macro"] + 1e-6:
                best_raw = {"macro": mr, "epoch": epoch,
                            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
        if best is None or macro > best["macro"] + 1e-6:
            best = {"macro": macro, "epoch": epoch,
                    "state": {k: v.detach().clone() for k, v in (ema.model if ema else model).state_dict().items()}}
            bad = 0
            if honest:  # a partial run can be finalized (--finalize-only) from its best epoch so far
                save_ck(a, model, best, history, run)
            if best_raw is not None:
                save_ck(a, model, best_raw, history, run, "goemotions-mini.raw.pt")
        else:
            bad += 1
            if bad >= a.patience and a.fold == "":  # k-fold members run every epoch: the pool picks the count
                print(f"early stop: no {sel} improvement for {a.patience} epochs", flush=True)
                break
    model.load_state_dict(best["state"])
    if best_raw is not None:
        save_ck(a, model, best_raw, history, run, "goemotions-mini.raw.pt")
    return save_ck(a, model, best, history, run)


def save_ck(a, model, best, history, run, name="goemotions-mini.pt"):
    ck = {"cfg": model.cfg, "state_dict": best["state"], "best_epoch": best["epoch"], "history": list(history),
          "train_seconds": time.time() - run["t_start"], "n_params": run["n_params"], "vocab_info": run["vocab_info"],
          "tokenizer": run["tok"].to_hf_json(a.max_len), "args": vars(a)}
    if run["mlm_history"]:
        ck["mlm_history"] = run["mlm_history"]
    os.makedirs(a.work, exist_ok=True)
    torch.save(ck, os.path.join(a.work, name))
    return ck


def main(argv=None):
    a = parse_args(argv)
    labels = [l for l in open(os.path.join(a.data, "labels.txt"), encoding="utf-8").read().split("\n") if l]
    assert len(labels) == 28
    if a.fold != "":  # one member of a k-fold run (kfold.py started it): train only
        os.makedirs(a.work, exist_ok=True)
        train(a, labels)
        return
    kfold.ARGV = list(argv if argv is not None else sys.argv[1:])  # what members are started with
    if a.folds > 0 and not a.finalize_only:
        ck = kfold.run(a, argv if argv is not None else sys.argv[1:], labels)
    elif a.finalize_only:
        ck = torch.load(os.path.join(a.work, a.checkpoint))
        given = [x.split("=")[0] for x in (argv if argv is not None else sys.argv[1:])]
        keep = ("out", "fixture") + (("shrink",) if "--shrink" in given else ())  # re-tune thresholds, same weights
        ck["args"] = {**ck["args"], **{k: v for k, v in vars(a).items() if k in keep}}
    else:
        ck = train(a, labels)
    finalize.finalize(a, labels, ck, vars(parse_args([])))


if __name__ == "__main__":
    main()
