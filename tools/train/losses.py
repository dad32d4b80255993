"""Training-only parts of the loss and its inputs (train.py): the multi-label loss (BCE, or the asymmetric loss of
Ridnik et al. 2021 with --asl-gamma-neg) and word dropout (--word-dropout). Off by default: the v1 recipe calls
plain BCE and draws no random numbers here."""
import torch
import torch.nn.functional as F


def multilabel_loss(logits, y, pos_weight, a):
    """BCE (positives weighted by pos_weight when given), or the asymmetric loss with --asl-gamma-neg."""
    if a.asl_gamma_neg <= 0:
        return (F.binary_cross_entropy_with_logits(logits, y) if pos_weight is None else
                F.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight))
    p = torch.sigmoid(logits)
    pos_term = F.logsigmoid(logits) * (pos_weight if pos_weight is not None else 1.0)
    if a.asl_clip > 0:
        p_m = torch.clamp(p - a.asl_clip, min=0.0)
        neg_log = torch.log(torch.clamp(1.0 - p_m, min=1e-8))
    else:
        p_m, neg_log = p, F.logsigmoid(-logits)
    return -(y * pos_term + (1.0 - y) * p_m.pow(a.asl_gamma_neg) * neg_log).mean()


def hide_words(ids, mask, rng, share, unk_id):
    """`ids` with a `share` of each text's words shown as [UNK] (never [CLS] at position 0, never padding): the model
    cannot lean on any one word."""
    hide = (rng.random(tuple(ids.shape)) < share) & (mask.numpy() == 1)
    hide[:, 0] = False
    return ids.masked_fill(torch.from_numpy(hide), unk_id)
