"""Data and metric helpers of the recipe (train.py, finalize.py): GoEmotions splits, length-bucketed batches,
batched prediction, and the v1 per-label threshold tuning on a 0.01 grid (protocol.per_label_best)."""
import os

import numpy as np
import torch

from protocol import per_label_best, prf


def load_split(data_dir, split, n_labels):
    texts, ys = [], []
    for line in open(os.path.join(data_dir, f"{split}.tsv"), encoding="utf-8").read().split("\n"):
        if not line:
            continue
        text, lab, _cid = line.split("\t")
        y = np.zeros(n_labels, dtype=np.float32)
        y[[int(i) for i in lab.split(",")]] = 1.0
        texts.append(text)
        ys.append(y)
    return texts, np.stack(ys)


def make_batches(lengths, batch_size, rng, shuffle=True, chunk=50):
    """Deterministic length-bucketed batches: shuffle, sort inside chunks of `chunk` batches, shuffle batches."""
    idx = np.arange(len(lengths))
    if shuffle:
        rng.shuffle(idx)
    batches = []
    span = batch_size * chunk
    for s in range(0, len(idx), span):
        part = idx[s:s + span]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    if shuffle:
        order = rng.permutation(len(batches))
        batches = [batches[i] for i in order]
    return batches


def collate(id_lists, rows, pad_id):
    t = max(len(id_lists[i]) for i in rows)
    ids = np.full((len(rows), t), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), t), dtype=np.int64)
    for r, i in enumerate(rows):
        n = len(id_lists[i])
        ids[r, :n] = id_lists[i]
        mask[r, :n] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def predict(model, id_lists, pad_id, batch_size=128):
    model.eval()
    out = np.zeros((len(id_lists), model.cfg["num_labels"]), dtype=np.float32)
    order = np.argsort([len(x) for x in id_lists], kind="stable")
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            rows = order[s:s + batch_size]
            ids, mask = collate(id_lists, rows, pad_id)
            out[rows] = torch.sigmoid(model(ids, mask)).numpy()
    return out


# The v1 recipe's thresholds: per label, the grid threshold with the best F1 on these rows (ties: the lowest).
tune_thresholds = per_label_best


def evaluate(probs, y, thresholds):
    p, r, f, macro, micro = prf(y, (probs >= thresholds[None, :]).astype(np.float32))
    return p, r, f, macro, micro
