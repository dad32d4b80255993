"""Writes the Python tokenizer's ids for every GoEmotions train+dev text (+ edge cases) to a JSON file that
tools/train/verify_bundle.mjs compares against @huggingface/tokenizers (JS).

  /usr/bin/python3 tools/train/check_tokenizer.py --bundle models/goemotions-mini --out /tmp/emo-train/pyids.json
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ inside the repo
sys.path.insert(0, HERE)
from emo_tokenizer import EmoTokenizer  # noqa: E402

EDGE = ["", "   ", "[NAME] is 😂😂 lol", "Café NAÏVE résumé", "👍🏻👍🏽 ok", "🤷‍♀️", "x" * 150, "don't!!!",
        "[CLS] [UNK] [PAD]", "İstanbul ΣΑΣ ß", "a\u00a0b\u2003c", "\ufeffhi", "中文字符 test", "<3 :) :-(",
        "#hashtag @user http://x.com/a?b=1", "tab\tand\nnewline", "[name] [NAME][RELIGION]x"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", default=os.path.join(HERE, "../../models/goemotions-mini"))
    ap.add_argument("--data", default=os.path.join(HERE, "../../../shared/datasets/goemotions/original"))
    ap.add_argument("--out", default="/tmp/emo-train/pyids.json")
    a = ap.parse_args()
    tok = EmoTokenizer.from_hf_json(json.load(open(os.path.join(a.bundle, "tokenizer.json"), encoding="utf-8")))
    texts = []
    for split in ("train", "dev"):
        texts += [l.split("\t")[0] for l in open(os.path.join(a.data, f"{split}.tsv"), encoding="utf-8").read().split("\n") if l]
    texts += EDGE
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump([{"t": t, "ids": tok.encode(t)} for t in texts], f, ensure_ascii=False)
    print(f"wrote {len(texts)} texts to {a.out}")


if __name__ == "__main__":
    main()
