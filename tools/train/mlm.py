"""Masked-language-model pretraining of the encoder on the texts it will be fine-tuned on (`--mlm-epochs N`).

No pretrained encoder is reachable here (no model hubs), so the encoder starts from GloVe rows and random layers.
Self-pretraining on the downstream texts alone is known to recover much of what generic pretraining gives a small
encoder (Krishna et al. 2022, "Downstream datasets make surprisingly good pretraining corpora"). Before the
classifier is trained, the encoder learns to restore masked words of the same training texts (labels unused):

- 15 % of the word positions of each text (never [CLS] or padding) are chosen; of those 80 % become [UNK] (the
  recipe has no [MASK] token, and [UNK] already means "a word the model cannot see"), 10 % a random word, 10 % stay;
- the head maps each chosen position's hidden state back to the embedding space and scores every vocabulary row
  there (weights tied to the embedding table); it is training-only and not exported;
- the texts are the student's training texts only, so the train slice (and dev) stay unseen by any stage.

The exported model has the same graph and size as without pretraining; only its starting weights differ.
"""
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from data import collate, make_batches
import optim


class MlmHead(nn.Module):
    def __init__(self, d_model, emb_dim, vocab_size):
        super().__init__()
        self.dense = nn.Linear(d_model, emb_dim)
        self.ln = nn.LayerNorm(emb_dim)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, h, emb_weight):
        return self.ln(F.gelu(self.dense(h))) @ emb_weight.t() + self.bias


def mask_batch(ids, mask, tok, rng, prob):
    """The corrupted input and, per position, the id to restore (-100 where nothing is asked)."""
    ids_np, mask_np = ids.numpy(), mask.numpy().astype(bool)
    candidates = mask_np & (ids_np != tok.cls_id) & (ids_np != tok.pad_id)
    chosen = candidates & (rng.random(ids_np.shape) < prob)
    for r in np.where(candidates.any(1) & ~chosen.any(1))[0]:  # every text asks for at least one word
        chosen[r, rng.choice(np.where(candidates[r])[0])] = True
    target = np.where(chosen, ids_np, -100)
    roll = rng.random(ids_np.shape)
    out = ids_np.copy()
    out[chosen & (roll < 0.8)] = tok.unk_id
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    out[swap] = rng.integers(3, len(tok.id_to_token), size=int(swap.sum()))
    return torch.from_numpy(out), torch.from_numpy(target)


def pretrain(a, model, tr_ids, tok):
    """`a.mlm_epochs` epochs of MLM over `tr_ids`; returns per-epoch {epoch, mlm_loss, mlm_accuracy, seconds}."""
    head = MlmHead(model.cfg["d_model"], model.cfg["emb_dim"], model.cfg["vocab_size"])
    named = list(model.named_parameters()) + [("head." + n, p) for n, p in head.named_parameters()]
    opt = torch.optim.AdamW(optim.decay_groups(named, a.weight_decay), lr=a.mlm_lr)
    steps_per_epoch = -(-len(tr_ids) // a.batch_size)
    sched = optim.warmup_linear(opt, a.warmup, steps_per_epoch * a.mlm_epochs)
    rng = np.random.default_rng(a.seed + 1000)
    lengths = [len(x) for x in tr_ids]
    history = []
    for epoch in range(1, a.mlm_epochs + 1):
        model.train()
        head.train()
        t0, tot_loss, hit, asked = time.time(), 0.0, 0, 0
        for bi, rows in enumerate(make_batches(lengths, a.batch_size, rng)):
            ids, mask = collate(tr_ids, rows, tok.pad_id)
            inp, target = mask_batch(ids, mask, tok, rng, a.mlm_prob)
            h, _ = model.hidden(inp, mask)
            where = target >= 0
            logits = head(h[where], model.tok_emb.weight)
            loss = F.cross_entropy(logits, target[where])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(head.parameters()), 1.0)
            opt.step()
            sched.step()
            tot_loss += loss.item()
            hit += int((logits.argmax(1) == target[where]).sum())
            asked += int(where.sum())
            if (bi + 1) % 200 == 0:
                print(f"  mlm epoch {epoch} step {bi + 1}/{steps_per_epoch} loss {tot_loss / (bi + 1):.4f} "
                      f"acc {hit / max(asked, 1):.3f} ({time.time() - t0:.0f}s)", flush=True)
        h = {"epoch": epoch, "mlm_loss": tot_loss / steps_per_epoch, "mlm_accuracy": hit / max(asked, 1),
             "seconds": time.time() - t0}
        history.append(h)
        print(f"mlm epoch {epoch}: loss {h['mlm_loss']:.4f} accuracy {h['mlm_accuracy']:.3f} {h['seconds']:.0f}s",
              flush=True)
    return history
