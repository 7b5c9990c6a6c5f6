// Baseline for bench/device.bench.ts: transformers.js used directly, the way its docs show, on the
// same model files, dtype and prompt as our engine. ORT's wasm is joined from our parts (no CDN here).
import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import type { RuntimeManifest } from "../../src/protocol/index.ts";
import { generatedIds, greedyInputs } from "../../web/engine/greedy-inputs.ts";

interface RawRequest {
  prompt: string;
  maxNewTokens: number;
  runs: number;
  device: "wasm" | "webgpu";
  dtype: "fp32" | "q8";
}

type Scope = { postMessage(value: unknown): void; addEventListener(type: "message", fn: (e: { data: RawRequest }) => void): void };
const scope = self as unknown as Scope;

async function ortBinary(): Promise<ArrayBuffer> {
  const runtime = (await (await fetch("/ort/runtime.json")).json()) as RuntimeManifest;
  const parts = await Promise.all(runtime.parts.map(async (p) => new Uint8Array(await (await fetch(`/ort/${p.path}`)).arrayBuffer())));
  const joined = new Uint8Array(runtime.bytes);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined.buffer;
}

let loaded: Promise<{
  tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  model: Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>;
}> | null = null;

async function load(data: RawRequest) {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = "/models/";
  env.useBrowserCache = false;
  env.useWasmCache = false;
  const wasm = env.backends.onnx.wasm!;
  wasm.wasmBinary = await ortBinary();
  wasm.wasmPaths = undefined;
  wasm.numThreads = 1;
  const tokenizer = await AutoTokenizer.from_pretrained("dormant-agent-tiny");
  const model = await AutoModelForCausalLM.from_pretrained("dormant-agent-tiny", { device: data.device, dtype: data.dtype });
  return { tokenizer, model };
}

async function measure(data: RawRequest): Promise<{ tokens: number; ms: number }[]> {
  const first = loaded === null;
  loaded ??= load(data);
  const { tokenizer, model } = await loaded;
  const ids = tokenizer.encode(data.prompt, { add_special_tokens: false });
  if (first) await model.generate(greedyInputs(ids, data.maxNewTokens)); // warm-up, as our engine does at load
  const runs: { tokens: number; ms: number }[] = [];
  for (let i = 0; i < data.runs; i++) {
    const started = performance.now();
    const out = await model.generate(greedyInputs(ids, data.maxNewTokens));
    runs.push({ tokens: generatedIds(out, ids.length).length, ms: performance.now() - started });
  }
  return runs;
}

scope.addEventListener("message", ({ data }) => {
  measure(data).then(
    (runs) => scope.postMessage({ runs }),
    (error: unknown) => scope.postMessage({ error: String(error) }),
  );
});
