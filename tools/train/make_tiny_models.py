"""Tiny deterministic test model(s) for the softmax (single-label) path.

  /usr/bin/python3 tools/train/make_tiny_models.py
writes test/fixtures/models/tiny-softmax/{model.onnx,tokenizer.json,tokenizer_config.json,config.json}
(no thresholds.json) and test/fixtures/parity/tiny-softmax.json (ids + torch softmax scores).
Weights are random but seeded; the sentiment words get hand-set embeddings so that the three labels are
actually reachable (e.g. "i love this" -> positive, "i hate this" -> negative, "the table" -> neutral).
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "../.."))
sys.dont_write_bytecode = True  # no __pycache__ inside the repo
sys.path.insert(0, HERE)
from emo_tokenizer import SPECIALS, EmoTokenizer  # noqa: E402
from model import EmoEncoder, export_onnx  # noqa: E402
import export_parity  # noqa: E402

WORDS = ("the a an i you it this that is was are be not no very so and but to of in on good great love "
         "happy nice awesome thanks bad terrible hate sad awful angry table chair window today "
         "!").split()
POSITIVE = ["good", "great", "love", "happy", "nice", "awesome", "thanks"]
NEGATIVE = ["bad", "terrible", "hate", "sad", "awful", "angry"]
LABELS = ["negative", "neutral", "positive"]
MAX_LEN = 32
TEXTS = ["i love this", "I HATE this!", "the table", "good good good", "not bad", "", "unknownword",
         "this is awesome and very nice", "sad " * 40, "It was a terrible, awful day.", "thanks 😂",
         "the chair and the window"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(REPO, "test/fixtures/models/tiny-softmax"))
    ap.add_argument("--fixture", default=os.path.join(REPO, "test/fixtures/parity/tiny-softmax.json"))
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    vocab = SPECIALS + sorted(set(WORDS))
    tok = EmoTokenizer(vocab, SPECIALS)
    model = EmoEncoder(len(vocab), 3, emb_dim=8, d_model=16, layers=1, heads=2, ffn=32, max_len=MAX_LEN,
                       dropout=0.0, pad_id=tok.pad_id)
    with torch.no_grad():
        # a sentiment direction in embedding space, carried through the residual stream to the classifier
        model.tok_emb.weight.mul_(0.1)
        model.tok_emb.weight[tok.pad_id] = 0.0
        for w in POSITIVE:
            model.tok_emb.weight[tok.vocab[w], 0] = 2.0
        for w in NEGATIVE:
            model.tok_emb.weight[tok.vocab[w], 0] = -2.0
        model.proj.weight.mul_(0.1)
        model.proj.weight[0, 0] = 1.0
        model.classifier.weight.mul_(0.1)
        model.classifier.weight[0, 0] -= 3.0
        model.classifier.weight[2, 0] += 3.0
        model.classifier.bias.zero_()
        model.classifier.bias[1] = 1.5
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    export_onnx(model, os.path.join(a.out, "model.onnx"))
    with open(os.path.join(a.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok.to_hf_json(MAX_LEN), f, ensure_ascii=False)
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(EmoTokenizer.tokenizer_config(MAX_LEN), f, indent=1)
        f.write("\n")
    cfg = model.cfg
    config = {
        "architectures": ["EmoEncoderForSequenceClassification"], "model_type": "emo-encoder", "name": "tiny-softmax",
        "problem_type": "single_label_classification",
        "id2label": {str(i): l for i, l in enumerate(LABELS)}, "label2id": {l: i for i, l in enumerate(LABELS)},
        "num_labels": 3, "vocab_size": cfg["vocab_size"], "embedding_size": cfg["emb_dim"],
        "hidden_size": cfg["d_model"], "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["ffn"], "hidden_act": "gelu", "max_position_embeddings": MAX_LEN, "pooling": "mean",
        "pad_token_id": tok.pad_id, "cls_token_id": tok.cls_id, "unk_token_id": tok.unk_id,
        "torch_dtype": "float32", "onnx_opset": 14, "note": "random seeded test model, NOT a real classifier",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    fx = export_parity.write_fixture(model, tok, LABELS, "single_label_classification", MAX_LEN, TEXTS, a.fixture,
                                     "tiny-softmax")
    for c in fx["cases"][:5]:
        print(repr(c["text"]), c["input_ids"], [round(s, 3) for s in c["scores"]])
    print("wrote", a.out, sum(os.path.getsize(os.path.join(a.out, f)) for f in os.listdir(a.out)), "bytes;", a.fixture)


if __name__ == "__main__":
    main()
