"""Builds the vocabulary (GloVe rows + placeholders + frequent emoji + frequent train OOV words [+ "##" pieces])."""
import collections
import unicodedata

import numpy as np

from emo_tokenizer import SPECIALS, PLACEHOLDERS, EmoTokenizer, normalize, pre_tokenize

GLOVE_DIR = "/work/shared/embeddings/glove6B-100d-top30k"


def load_glove(glove_dir=GLOVE_DIR):
    words = [w for w in open(f"{glove_dir}/words.txt", encoding="utf-8").read().split("\n") if w]
    q = np.fromfile(f"{glove_dir}/vectors.i8", dtype=np.int8).reshape(len(words), -1)
    s = np.fromfile(f"{glove_dir}/scales.f32", dtype="<f4")
    return words, q.astype(np.float32) * s[:, None]


def is_emoji_like(ch):
    cp = ord(ch)
    if 0x2800 <= cp <= 0x28FF:  # braille patterns (ASCII art), not emotional content
        return False
    return unicodedata.category(ch) == "So" and ch not in "°©®"


def continuation_pieces(unk_words, k):
    """'##' pieces for train words that are still [UNK]: every character seen after a word's first, then the k
    substrings of 2-6 characters (not at a word's start) that cover the most characters, by train count."""
    chars, subs = collections.Counter(), collections.Counter()
    for w, c in unk_words.items():
        for i in range(1, len(w)):
            chars[w[i]] += c
            for j in range(i + 2, min(len(w), i + 6) + 1):
                subs[w[i:j]] += c
    singles = sorted(chars, key=lambda s: (-chars[s], s))
    multi = sorted(subs, key=lambda s: (-subs[s] * (len(s) - 1), s))[:k]
    return ["##" + s for s in singles + multi]


def build_vocab(train_texts, min_emoji=3, min_oov=10, max_oov=3000, subword_pieces=0):
    words, vecs = load_glove()
    emo = collections.Counter(ch for t in train_texts for ch in t if is_emoji_like(ch))
    emoji = sorted([e for e, c in emo.items() if c >= min_emoji], key=lambda e: (-emo[e], e))
    added = SPECIALS + PLACEHOLDERS + emoji
    glove_set = set(words)
    # count train words the GloVe subset misses (using the real pipeline, with only the fixed added tokens)
    probe = EmoTokenizer(added + words, added)
    cnt = collections.Counter()
    for t in train_texts:
        for sec in probe.split_added(t):
            if sec in probe.added or not sec:
                continue
            for w in pre_tokenize(normalize(sec)):
                if w not in glove_set and len(w) <= 100:
                    cnt[w] += 1
    oov = sorted([w for w, c in cnt.items() if c >= min_oov], key=lambda w: (-cnt[w], w))[:max_oov]
    # with --subword-pieces, words still [UNK] become WordPiece pieces (emo_tokenizer.wordpiece)
    oov_set = set(oov)
    pieces = continuation_pieces({w: c for w, c in cnt.items() if w not in oov_set}, subword_pieces) if subword_pieces else []
    taken = set(added) | glove_set | oov_set
    pieces = [p for p in pieces if p not in taken]
    tokens = added + words + oov + pieces
    tok = EmoTokenizer(tokens, added)
    # embedding init (100-d): GloVe rows; placeholders = mean of related words; others random at GloVe scale
    rng = np.random.default_rng(1234)
    std = float(vecs.std())
    emb = rng.normal(0.0, std, size=(len(tokens), vecs.shape[1])).astype(np.float32)
    emb[len(added):len(added) + len(words)] = vecs
    widx = {w: i for i, w in enumerate(words)}
    def mean_of(ws):
        return vecs[[widx[w] for w in ws if w in widx]].mean(0)
    emb[tok.vocab["[PAD]"]] = 0.0
    emb[tok.vocab["[NAME]"]] = mean_of(["john", "mary", "james", "david", "michael", "sarah", "chris", "mike", "emma", "tom"])
    emb[tok.vocab["[RELIGION]"]] = mean_of(["christian", "muslim", "jewish", "catholic", "hindu", "buddhist", "islam", "christianity"])
    info = {"glove_words": len(words), "emoji_added": len(emoji), "oov_words_added": len(oov),
            "added_tokens": len(added), "vocab_size": len(tokens)}
    if pieces:
        info["subword_pieces"] = len(pieces)
    return tok, emb, info
