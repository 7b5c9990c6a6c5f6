"""ONNX export in the layout transformers.js 4.x loads for model_type gpt2."""
import torch

from model import GPT, OnnxWrapper


def export_onnx(model: GPT, path: str) -> None:
    c = model.c
    model.eval()
    batch, seq, past_len = 2, 3, 4  # > 1 everywhere so no axis is traced as a constant
    past = [torch.randn(batch, c.n_head, past_len, c.head_dim) for _ in range(2 * c.n_layer)]
    args = (
        torch.randint(0, c.vocab_size, (batch, seq)),
        torch.ones(batch, past_len + seq, dtype=torch.long),
        torch.arange(past_len, past_len + seq)[None].expand(batch, seq).contiguous(),
        *past,
    )
    past_names = [f"past_key_values.{i}.{kv}" for i in range(c.n_layer) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(c.n_layer) for kv in ("key", "value")]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
        **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
    }
    with torch.no_grad():
        torch.onnx.export(
            OnnxWrapper(model), args, path,
            input_names=["input_ids", "attention_mask", "position_ids", *past_names],
            output_names=["logits", *present_names],
            dynamic_axes=axes, opset_version=14, do_constant_folding=True,
        )
