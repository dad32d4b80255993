"""Compact transformer encoder for multi-label text classification.

Written with plain Linear/MatMul/Softmax (no nn.TransformerEncoder fast path, so no nested tensors and an ONNX
graph that is MatMul-heavy and friendly to dynamic INT8 quantization).
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, ffn)
        self.ff2 = nn.Linear(ffn, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias):
        b, t, d = x.shape
        h = self.ln1(x)
        qkv = self.qkv(h).reshape(b, t, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [b, heads, t, dh]
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh)) + bias
        att = self.drop(torch.softmax(att, dim=-1))
        o = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.drop(self.out(o))
        x = x + self.drop(self.ff2(self.drop(F.gelu(self.ff1(self.ln2(x))))))
        return x


class EmoEncoder(nn.Module):
    def __init__(self, vocab_size, num_labels, emb_dim=100, d_model=256, layers=4, heads=4, ffn=1024,
                 max_len=128, dropout=0.1, pad_id=0):
        super().__init__()
        self.cfg = dict(vocab_size=vocab_size, num_labels=num_labels, emb_dim=emb_dim, d_model=d_model,
                        layers=layers, heads=heads, ffn=ffn, max_len=max_len, dropout=dropout, pad_id=pad_id)
        self.tok_emb = nn.Embedding(vocab_size, emb_dim, padding_idx=pad_id)
        self.proj = nn.Linear(emb_dim, d_model)
        self.pos_emb = nn.Embedding(max_len, d_model)
        self.emb_ln = nn.LayerNorm(d_model)
        self.layers = nn.ModuleList([EncoderLayer(d_model, heads, ffn, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)
        self.classifier = nn.Linear(d_model, num_labels)
        nn.init.normal_(self.pos_emb.weight, std=0.02)

    def forward(self, input_ids, attention_mask):
        return self.classifier(self.drop(self.pool(input_ids, attention_mask)))

    def pool(self, input_ids, attention_mask):
        """Masked mean of the final hidden states (what the classifier reads; training uses it for extra heads)."""
        x, m = self.hidden(input_ids, attention_mask)
        mm = m.unsqueeze(-1)
        return (x * mm).sum(1) / mm.sum(1).clamp(min=1.0)

    def hidden(self, input_ids, attention_mask):
        """The final hidden state of every position (pooled for the classifier; read per token by MLM pretraining),
        and the mask as a float tensor. The ops, and so the exported graph, are those of the v1 pool."""
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.proj(self.tok_emb(input_ids)) + self.pos_emb(pos)
        x = self.drop(self.emb_ln(x))
        m = attention_mask.to(x.dtype)
        bias = ((1.0 - m) * -10000.0).unsqueeze(1).unsqueeze(1)  # [b, 1, 1, t]
        for layer in self.layers:
            x = layer(x, bias)
        return self.ln_f(x), m


def export_onnx(model, path, opset=14):
    model.eval()
    ids = torch.tensor([[2, 7, 9, 11, 0, 0], [2, 5, 6, 8, 10, 12]], dtype=torch.long)
    mask = (ids != 0).long()
    with torch.no_grad():
        torch.onnx.export(
            model, (ids, mask), path, opset_version=opset,
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "logits": {0: "batch"}},
            do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m
