"""What makes the bundle loadable by Hugging Face loaders unchanged (transformers.js `pipeline`, optimum).

- config.json's `model_type` is `roberta`: transformers.js refuses unknown model types, and its
  RobertaForSequenceClassification runs an encoder-only graph with exactly this bundle's ONNX contract
  (feeds `input_ids` + `attention_mask`, adds `token_type_ids` only when the graph has that input;
  reads `logits`; sigmoid for `problem_type: multi_label_classification`). The graph itself is the
  custom EmoEncoder (`architectures` says so; see MODEL_CARD.md), not a RoBERTa.
- `onnx/model.onnx` (where the Hub layout and transformers.js look) is a relative symlink to
  `model.onnx`: one copy of the graph in git; emo loads either path.

`finalize` in train.py calls `write_config` and `link_hub_layout`. To bring an existing bundle to this
layout without retraining (what was done for the shipped bundle), rewrite only its config.json (and the
configs of its `variants/*`, copies written by `emo quantize`) and add the link:

    /usr/bin/python3 tools/train/hub_layout.py models/goemotions-mini
"""
import json
import os
import sys

MODEL_TYPE = "roberta"


def write_config(out, config):
    """config.json as the recipe writes it (one-space indent, trailing newline), with the Hub model_type."""
    config = {**config, "model_type": MODEL_TYPE}
    with open(os.path.join(out, "config.json"), "w") as fh:
        json.dump(config, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return config


def link_hub_layout(out):
    """onnx/model.onnx -> ../model.onnx (relative, so it survives copies and moves of the bundle)."""
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    link = os.path.join(out, "onnx", "model.onnx")
    if os.path.islink(link) or os.path.exists(link):
        os.remove(link)
    os.symlink(os.path.join("..", "model.onnx"), link)


def rewrite_bundle(out):
    """Only config.json (and the variants' copies) change; the graph, tokenizer and thresholds stay as they are."""
    dirs = [out] + sorted(os.path.join(out, "variants", d) for d in os.listdir(os.path.join(out, "variants"))) \
        if os.path.isdir(os.path.join(out, "variants")) else [out]
    for d in dirs:
        with open(os.path.join(d, "config.json")) as fh:
            write_config(d, json.load(fh))
    link_hub_layout(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hub_layout.py BUNDLE_DIR")
    rewrite_bundle(sys.argv[1])
    print(f"rewrote {sys.argv[1]}/config.json (model_type {MODEL_TYPE}) and linked onnx/model.onnx")
