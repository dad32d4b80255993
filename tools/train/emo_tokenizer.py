"""Python twin of the bundle's tokenizer.json, as executed by @huggingface/tokenizers (JS) 0.2.x.

Pipeline (identical to what the JS library does with the tokenizer.json we write):
  1. added tokens are split off the RAW text first (greedy longest match, left to right; they are
     `normalized: false`): [PAD] [UNK] [CLS] [NAME] [RELIGION] and a few frequent emoji;
  2. every other section is normalized: Replace(ZWJ, skin-tone modifiers -> "") , NFD,
     StripAccents (drop every \\p{M} char), Lowercase;
  3. BertPreTokenizer: trim, then runs of [^\\s punct] or one punctuation char (\\p{P} + ASCII punct);
  4. WordPiece: the whole word when it is in the vocabulary; else, when the vocabulary has "##"
     continuation pieces (`--subword-pieces`), greedy longest-match-first pieces (the longest prefix in
     the vocabulary, then the longest "##" piece from there, …), [UNK] for the whole word when no cut
     covers it; without "##" pieces that is whole-word lookup (WordLevel). [UNK] for words longer
     than 100 characters (code points, as the JS library counts them);
  5. TemplateProcessing: "[CLS] $A".
Truncation (done by the serving engine, and here by `encode(text, max_length)`): keep the first
`max_length` ids of the post-processed sequence.
"""
import json
import unicodedata

PAD, UNK, CLS, NAME, RELIGION = "[PAD]", "[UNK]", "[CLS]", "[NAME]", "[RELIGION]"
SPECIALS = [PAD, UNK, CLS]
PLACEHOLDERS = [NAME, RELIGION]
# removed by the normalizer (joiners and skin-tone modifiers of emoji sequences)
STRIPPED_CHARS = ["\u200d"] + [chr(c) for c in range(0x1F3FB, 0x1F400)]

# JavaScript \s (and String.prototype.trim) whitespace set
JS_WS = set("\t\n\x0b\x0c\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}
ASCII_PUNCT = {chr(c) for c in list(range(0x21, 0x30)) + list(range(0x3A, 0x41)) + list(range(0x5B, 0x61)) + list(range(0x7B, 0x7F))}


def is_punct(ch):
    return ch in ASCII_PUNCT or unicodedata.category(ch).startswith("P")


def normalize(text):
    for ch in STRIPPED_CHARS:
        text = text.replace(ch, "")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    return text.lower()


def js_trim(text):
    a, b = 0, len(text)
    while a < b and text[a] in JS_WS:
        a += 1
    while b > a and text[b - 1] in JS_WS:
        b -= 1
    return text[a:b]


def pre_tokenize(text):
    out, cur = [], []
    for ch in js_trim(text):
        if ch in JS_WS:
            if cur:
                out.append("".join(cur)); cur = []
        elif is_punct(ch):
            if cur:
                out.append("".join(cur)); cur = []
            out.append(ch)
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


class EmoTokenizer:
    def __init__(self, vocab_tokens, added_tokens, max_input_chars_per_word=100):
        """vocab_tokens: list index == id. added_tokens: list of strings (all in vocab)."""
        self.id_to_token = list(vocab_tokens)
        self.vocab = {t: i for i, t in enumerate(vocab_tokens)}
        assert len(self.vocab) == len(vocab_tokens), "duplicate vocab entries"
        self.added = list(added_tokens)
        self.max_chars = max_input_chars_per_word
        self.trie = {}
        for tok in self.added:
            node = self.trie
            for ch in tok:
                node = node.setdefault(ch, {})
            node["\0end"] = tok
        self.pad_id, self.unk_id, self.cls_id = self.vocab[PAD], self.vocab[UNK], self.vocab[CLS]

    def split_added(self, text):
        res, start, i, n = [], 0, 0, len(text)
        while i < n:
            node, match, j = self.trie, None, i
            while j < n and text[j] in node:
                node = node[text[j]]
                if "\0end" in node:
                    match = node["\0end"]
                j += 1
            if match:
                if i > start:
                    res.append(text[start:i])
                res.append(match)
                i += len(match)
                start = i
            else:
                i += 1
        if start < n:
            res.append(text[start:])
        return res

    def tokenize(self, text):
        """Tokens without special tokens."""
        toks = []
        for sec in self.split_added(text):
            if not sec:
                continue
            if sec in self.added:
                toks.append(sec)
                continue
            sec = normalize(sec)
            if not sec:
                continue
            for w in pre_tokenize(sec):
                toks.extend(self.wordpiece(w))
        return toks

    def wordpiece(self, word):
        """@huggingface/tokenizers' WordPiece.encode of one word (lookups in the whole vocabulary, added tokens included)."""
        if len(word) > self.max_chars:
            return [UNK]
        if word in self.vocab:
            return [word]
        pieces, start = [], 0
        while start < len(word):
            end, piece = len(word), None
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in self.vocab:
                    piece = sub
                    break
                end -= 1
            if piece is None:
                return [UNK]
            pieces.append(piece)
            start = end
        return pieces

    def encode(self, text, max_length=None):
        ids = [self.cls_id] + [self.vocab[t] for t in self.tokenize(text)]
        return ids[:max_length] if max_length else ids

    def to_hf_json(self, max_length):
        def added(tok, i):
            return {"id": i, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                    "normalized": False, "special": tok in SPECIALS}
        return {
            "version": "1.0",
            "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
            "padding": None,
            "added_tokens": [added(t, self.vocab[t]) for t in self.added],
            "normalizer": {"type": "Sequence", "normalizers":
                [{"type": "Replace", "pattern": {"String": ch}, "content": ""} for ch in STRIPPED_CHARS]
                + [{"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": CLS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": CLS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {CLS: {"id": CLS, "ids": [self.cls_id], "tokens": [CLS]}},
            },
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": self.max_chars, "vocab": self.vocab},
        }

    @staticmethod
    def tokenizer_config(max_length):
        return {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length,
                "pad_token": PAD, "unk_token": UNK, "cls_token": CLS, "do_lower_case": True,
                "clean_up_tokenization_spaces": True, "padding_side": "right", "truncation_side": "right"}

    @classmethod
    def from_hf_json(cls, obj):
        vocab = obj["model"]["vocab"]
        toks = [None] * len(vocab)
        for t, i in vocab.items():
            toks[i] = t
        return cls(toks, [a["content"] for a in sorted(obj["added_tokens"], key=lambda a: a["id"])],
                   obj["model"].get("max_input_chars_per_word", 100))
