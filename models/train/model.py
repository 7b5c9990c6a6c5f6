"""A GPT-2 architecture causal LM whose ONNX export has the inputs and outputs transformers.js 4.x
expects for `model_type: gpt2` (with past_key_values, so generation reuses the KV cache)."""
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    vocab_size: int = 2048
    n_positions: int = 256
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 8

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.c_attn = nn.Linear(c.n_embd, 3 * c.n_embd)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd)

    def forward(self, x, bias, past_k, past_v):
        b, t, _ = x.shape
        q, k, v = self.c_attn(x).split(self.c.n_embd, dim=2)
        shape = (b, t, self.c.n_head, self.c.head_dim)
        q, k, v = (z.reshape(shape).transpose(1, 2) for z in (q, k, v))
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.c.head_dim) + bias
        y = F.softmax(scores, dim=-1) @ v
        y = y.transpose(1, 2).reshape(b, t, self.c.n_embd)
        return self.c_proj(y), k, v


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c.n_embd)
        self.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd)
        self.c_proj = nn.Linear(4 * c.n_embd, c.n_embd)

    def forward(self, x, bias, past_k, past_v):
        a, k, v = self.attn(self.ln_1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))
        return x, k, v


class GPT(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.h = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, input_ids, attention_mask, position_ids, past):
        """past: list of (key, value) shaped [batch, n_head, past_len, head_dim]."""
        hidden, presents = self.hidden(input_ids, attention_mask, position_ids, past)
        return self.head(hidden), presents

    def head(self, hidden):
        return hidden @ self.wte.weight.T  # tied input/output embeddings, as in GPT-2

    def hidden(self, input_ids, attention_mask, position_ids, past):
        """Final-layer-normed states for every position, and the new KV cache."""
        t = input_ids.shape[1]
        p = past[0][0].shape[2]
        # Causal over [past + new] keys, plus padding from attention_mask ([batch, past + new]).
        q_pos = torch.arange(t, device=input_ids.device) + p
        k_pos = torch.arange(p + t, device=input_ids.device)
        allowed = (k_pos[None, :] <= q_pos[:, None])[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
        bias = torch.zeros(allowed.shape, dtype=torch.float32).masked_fill(~allowed, torch.finfo(torch.float32).min)
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for block, (pk, pv) in zip(self.h, past):
            x, k, v = block(x, bias, pk, pv)
            presents.append((k, v))
        return self.ln_f(x), presents

    def empty_past(self, batch: int):
        z = torch.zeros(batch, self.c.n_head, 0, self.c.head_dim)
        return [(z, z) for _ in range(self.c.n_layer)]


class OnnxWrapper(nn.Module):
    """Flat signature for torch.onnx.export: (input_ids, attention_mask, position_ids, *past)."""

    def __init__(self, model: GPT):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(self.model.c.n_layer)]
        logits, presents = self.model(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in presents for t in kv])
