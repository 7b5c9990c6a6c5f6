"""Byte-level BPE (GPT-2 style) trained from scratch, saved as a Hugging Face tokenizer.json that
transformers.js loads. No `tokenizers` package is reachable here, so this is the whole algorithm."""
import collections
import json
import re

from chat_format import SPECIAL_TOKENS

# GPT-2's pattern changed so that a span the model copies tokenizes the same wherever it stands:
# a word carries the space after it, not before ("saying taxes desert" is `saying ` `taxes ` `desert`,
# and the JSON body "taxes desert" is `taxes ` `desert`: same ids from the first word on; with a
# leading space the first word differed and the model often repeated it, "taxes taxes ...");
# digits are bare chunks of at most two (every chunk a frequent token); JSON punctuation runs are
# their own pieces (`":"(` would swallow an expression's paren); other punctuation is one bare char
# (" (" in a request is "(" in JSON). History in decisions/0004. PRETOKENIZE_JS is the same pattern
# for tokenizer.json; [^\W\d_] is \p{L} and \d is \p{N} on our ASCII corpus, and a node test checks
# both tokenize alike.
PRETOKENIZE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+ ?|\d{1,2}|[{}":,]+|[^\s\w{}":,]|_|\s+(?!\S)|\s+""")
PRETOKENIZE_JS = r"""'s|'t|'re|'ve|'m|'ll|'d|\p{L}+ ?|\p{N}{1,2}|[{}":,]+|[^\s\p{L}\p{N}{}":,]|\s+(?!\S)|\s+"""
SPECIAL_SPLIT = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")


def bytes_to_unicode() -> dict:
    """GPT-2's reversible byte → printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


def pieces(text: str):
    """Yields ('special', token) or ('word', byte-mapped word) in order."""
    for part in SPECIAL_SPLIT.split(text):
        if not part:
            continue
        if part in SPECIAL_TOKENS:
            yield "special", part
        else:
            for word in PRETOKENIZE.findall(part):
                yield "word", "".join(BYTE_CHARS[b] for b in word.encode("utf-8"))


class Tokenizer:
    def __init__(self, vocab: dict, merges: list):
        self.vocab = vocab
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self.merges = merges
        self.cache: dict = {}

    @staticmethod
    def train(texts, vocab_size: int) -> "Tokenizer":
        words = collections.Counter(w for t in texts for kind, w in pieces(t) if kind == "word")
        splits = {w: list(w) for w in words}
        vocab = {c: i for i, c in enumerate(sorted(set(BYTE_CHARS.values())))}
        merges = []
        target = vocab_size - len(SPECIAL_TOKENS)
        while len(vocab) < target:
            pairs = collections.Counter()
            for w, count in words.items():
                s = splits[w]
                for a, b in zip(s, s[1:]):
                    pairs[(a, b)] += count
            if not pairs:
                break
            # Highest count wins; ties broken by the pair itself so training is deterministic.
            (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
            if count < 2:
                break
            merges.append((a, b))
            vocab[a + b] = len(vocab)
            for w in words:
                s = splits[w]
                if len(s) < 2:
                    continue
                i, out = 0, []
                while i < len(s):
                    if i < len(s) - 1 and s[i] == a and s[i + 1] == b:
                        out.append(a + b)
                        i += 2
                    else:
                        out.append(s[i])
                        i += 1
                splits[w] = out
        for token in SPECIAL_TOKENS:
            vocab[token] = len(vocab)
        return Tokenizer(vocab, merges)

    def bpe(self, word: str) -> list:
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
        self.cache[word] = parts
        return parts

    def encode(self, text: str) -> list:
        ids = []
        for kind, piece in pieces(text):
            if kind == "special":
                ids.append(self.vocab[piece])
            else:
                ids.extend(self.vocab[p] for p in self.bpe(piece))
        return ids

    def save(self, path: str) -> None:
        specials = [{"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                     "normalized": False, "special": True} for t in SPECIAL_TOKENS]
        split = {"type": "Split", "pattern": {"Regex": PRETOKENIZE_JS}, "behavior": "Isolated", "invert": False}
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
        doc = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": specials,
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [split, byte_level]},
            "post_processor": None,
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
