"""The optimizer of every training stage of the recipe (fine-tuning in train.py, MLM pretraining in mlm.py): AdamW
with weight decay on matrices outside the embeddings only, and a linear warm-up then linear decay to 0."""
import torch


def decay_groups(named, weight_decay):
    """AdamW parameter groups: decay for matrices (dim >= 2) outside embeddings, none for the rest."""
    decayed = lambda n, p: p.dim() >= 2 and "emb" not in n  # noqa: E731
    return [{"params": [p for n, p in named if decayed(n, p)], "weight_decay": weight_decay},
            {"params": [p for n, p in named if not decayed(n, p)], "weight_decay": 0.0}]


def warmup_linear(opt, warmup, total):
    """LR multiplier rising over the first `warmup` share of `total` steps, then falling linearly to 0."""
    warm = max(1, int(warmup * total))
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
