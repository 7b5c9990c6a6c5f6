"""models/manifest.json: the pin for every file (sha256, bytes), variants and their memory needs."""
import datetime
import hashlib
import json
import os


ORT_HEAP_START = 16 * 2**20  # onnxruntime-web's wasm memory starts at 256 pages


def file_entry(model_dir: str, name: str) -> dict:
    path = os.path.join(model_dir, name)
    with open(path, "rb") as f:
        data = f.read()
    return {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_manifest(model_dir: str, config, training: dict) -> None:
    """Writes manifest.json beside the model folder; paths inside are relative to the model folder."""
    root, model_id = os.path.split(os.path.abspath(model_dir))
    names = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
             "onnx/model.onnx", "onnx/model_quantized.onnx"]
    files = [file_entry(model_dir, n) for n in names]
    by_name = {f["path"]: f for f in files}
    # KV cache at full context (keys + values, fp32, batch 1) and one row of logits per step.
    kv = 2 * config.n_layer * config.n_positions * config.n_embd * 4
    logits = config.n_positions * config.vocab_size * 4

    def variant(dtype: str, onnx_file: str) -> dict:
        weights = by_name[onnx_file]["bytes"]
        # ORT keeps the file's weights plus prepacked copies (~2×) while the session is alive, in a
        # wasm heap that starts at 16 MiB; fitted to the heap the bench measures (decisions/0014).
        return {"dtype": dtype, "file": onnx_file, "estimatedPeakBytes": ORT_HEAP_START + 2 * weights + kv + logits,
                "estimate": "ORT's initial 16 MiB heap + 2 × weights + KV cache at full context + logits for the full context"}

    revision_source = "".join(f["sha256"] for f in files)
    manifest = {
        "manifestVersion": 1,
        "models": [{
            "id": model_id,
            "path": model_id,
            "revision": hashlib.sha256(revision_source.encode()).hexdigest()[:16],
            "architecture": {"model_type": "gpt2", "n_layer": config.n_layer, "n_head": config.n_head,
                             "n_embd": config.n_embd, "vocab_size": config.vocab_size},
            "contextLength": config.n_positions,
            "chatFormat": "src/protocol/chat-format.ts",
            "files": files,
            "variants": [variant("fp32", "onnx/model.onnx"), variant("q8", "onnx/model_quantized.onnx")],
            "training": {**training, "date": datetime.date.today().isoformat()},
            "provenance": "Trained in this repository from synthetic data only (models/train/corpus.py); no third-party weights or text.",
            "licence": "Same terms as this repository; contains no third-party data or weights.",
        }],
    }
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
