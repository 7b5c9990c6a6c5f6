// Baseline for bench/device.bench.ts: transformers.js used directly, the way its docs show, on the
// same model files, dtype and prompt as our engine. web/build.ts bundles it with ORT's WASM-only
// build, whose wasm it fetches from our origin the way the docs show (`wasmPaths`; no CDN here).
import { AutoModelForCausalLM, AutoTokenizer, env } from "@huggingface/transformers";
import type { RuntimeManifest } from "../../src/protocol/index.ts";
import { generatedIds, greedyInputs } from "../../web/engine/greedy-inputs.ts";

interface RawRequest {
  /** "runs": timed decodes; "start": load and a one-token warm-up, as our engine's load; "ping": nothing. */
  kind: "runs" | "start" | "ping";
  prompt: string;
  maxNewTokens: number;
  runs: number;
  device: "wasm" | "webgpu";
  dtype: "fp32" | "q8";
}

type Scope = {
  location: { href: string };
  postMessage(value: unknown): void;
  addEventListener(type: "message", fn: (e: { data: RawRequest }) => void): void;
};
const scope = self as unknown as Scope;

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
  // The wasm file only: a path prefix would make ORT import its glue script from there too.
  const runtime = (await (await fetch("/ort/runtime-wasm.json")).json()) as RuntimeManifest;
  wasm.wasmPaths = { wasm: new URL(`/ort/${runtime.file}`, scope.location.href).href };
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

/** A page's first use up to ready: load, then a one-token warm-up as our engine's load does. */
async function start(data: RawRequest): Promise<{ loadMs: number }> {
  const started = performance.now();
  loaded ??= load(data);
  const { tokenizer, model } = await loaded;
  await model.generate(greedyInputs(tokenizer.encode(data.prompt, { add_special_tokens: false }), 1));
  return { loadMs: performance.now() - started };
}

scope.addEventListener("message", ({ data }) => {
  if (data.kind === "ping") return scope.postMessage({ pong: true });
  if (data.kind === "start") {
    start(data).then(
      (result) => scope.postMessage({ start: result }),
      (error: unknown) => scope.postMessage({ error: String(error) }),
    );
    return;
  }
  measure(data).then(
    (runs) => scope.postMessage({ runs }),
    (error: unknown) => scope.postMessage({ error: String(error) }),
  );
});
