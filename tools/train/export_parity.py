"""Parity fixtures: texts, the ids the tokenizer gives (truncated to max_length) and the scores torch computes.

Used by train.py at the end of a run; standalone:
  /usr/bin/python3 tools/train/export_parity.py --bundle models/goemotions-mini \
      --ckpt /tmp/emo-train/goemotions-mini.pt --out test/fixtures/parity/goemotions-mini.json
"""
import argparse
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ inside the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emo_tokenizer import EmoTokenizer  # noqa: E402
from model import EmoEncoder  # noqa: E402

CHAT_TEXTS = [
    "thanks so much!!",
    "I hate this.",
    "lol",
    "wtf is this",
    "I'm so sorry for your loss",
    "omg congrats on the new job",
    "I'm scared, what if it doesn't work?",
    "😂😂😂",
    "love it ❤️",
    "👍🏻",
    "ok",
    "?!?!...",
    "",
    "   ",
    "zxqvb blorfed the flibbertigibbet glarpity",
    "[NAME] is the best, [RELIGION] too",
    "Café très bien, NAÏVE résumé",
    "中文 and English mixed",
    "Well... that's just GREAT. Another Monday. 🙄",
    "I don't know whether to laugh or cry",
]


def pick_texts(dev_texts, n_dev=12):
    step = max(1, len(dev_texts) // n_dev)
    texts = [dev_texts[i * step] for i in range(n_dev)]
    long_text = " ".join(dev_texts[:40])  # several hundred tokens: exercises truncation
    return texts + CHAT_TEXTS + [long_text, "a " * 300]


def score(model, problem_type, id_lists):
    """Scores of each id list, computed one text at a time (no padding)."""
    model.eval()
    out = []
    with torch.no_grad():
        for ids in id_lists:
            x = torch.tensor([ids], dtype=torch.long)
            logits = model(x, torch.ones_like(x))
            s = torch.sigmoid(logits) if problem_type == "multi_label_classification" else torch.softmax(logits, -1)
            out.append((logits[0].tolist(), s[0].tolist()))
    return out


def padded_check(model, id_lists, singles, pad_id=0):
    """Same texts in one right-padded batch must give the same logits (mask correctness)."""
    t = max(len(i) for i in id_lists)
    ids = torch.tensor([i + [pad_id] * (t - len(i)) for i in id_lists], dtype=torch.long)
    mask = torch.tensor([[1] * len(i) + [0] * (t - len(i)) for i in id_lists], dtype=torch.long)
    with torch.no_grad():
        logits = model(ids, mask)
    ref = torch.tensor([s[0] for s in singles])
    return float((logits - ref).abs().max())


def write_fixture(model, tok, labels, problem_type, max_length, texts, path, name):
    id_lists = [tok.encode(t, max_length) for t in texts]
    singles = score(model, problem_type, id_lists)
    diff = padded_check(model, id_lists, singles, tok.pad_id)
    assert diff < 1e-4, f"padded batch differs from single-text logits by {diff}"
    cases = [{"text": t, "input_ids": ids, "logits": lg, "scores": sc}
             for t, ids, (lg, sc) in zip(texts, id_lists, singles)]
    fixture = {
        "model": name,
        "problem_type": problem_type,
        "max_length": max_length,
        "truncation": "keep the first max_length ids of tokenizer.encode(text) (special tokens included)",
        "labels": labels,
        "tolerance": 1e-4,
        "padded_batch_max_abs_logit_diff": diff,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return fixture


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", default="models/goemotions-mini")
    ap.add_argument("--ckpt", default="/tmp/emo-train/goemotions-mini.pt")
    ap.add_argument("--out", default="test/fixtures/parity/goemotions-mini.json")
    ap.add_argument("--dev", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "../../../shared/datasets/goemotions/original/dev.tsv"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(a.bundle, "config.json")))
    tok = EmoTokenizer.from_hf_json(json.load(open(os.path.join(a.bundle, "tokenizer.json"), encoding="utf-8")))
    ck = torch.load(a.ckpt)
    model = EmoEncoder(**ck["cfg"])
    model.load_state_dict(ck["state_dict"])
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    dev = [l.split("\t")[0] for l in open(a.dev, encoding="utf-8").read().split("\n") if l]
    write_fixture(model, tok, labels, cfg["problem_type"], cfg["max_position_embeddings"], pick_texts(dev), a.out,
                  os.path.basename(os.path.normpath(a.bundle)))
    print("wrote", a.out)


if __name__ == "__main__":
    main()
