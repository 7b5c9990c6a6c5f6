import { env, InferenceSession } from "onnxruntime-web/webgpu";
import type { RuntimeSource } from "./runtime-source.ts";

/**
 * `y = Identity(x)`, x a float[1], opset 13: the smallest model ORT will open (made with
 * onnx.helper, 70 bytes). Opening it brings the runtime up without the real model's bytes.
 */
const IDENTITY_MODEL = new Uint8Array([
  8, 7, 18, 0, 58, 58, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 4, 119, 97, 114, 109, 90, 15, 10,
  1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 66, 4, 10, 0, 16, 13,
]);

/** ORT fetches a wasm given by URL with `fetch(url)`: while set, that one URL is answered here. */
let wasmEntry: { url: string; response: () => Promise<Response> } | null = null;
const networkFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return wasmEntry && url === wasmEntry.url ? wasmEntry.response() : networkFetch(input, init);
};

/**
 * Starts ORT (this worker's one instance) on verified wasm, ahead of the model: its start is most
 * of a warm load (decisions/0014), so it runs while the model's files are still being read,
 * verified or downloaded. transformers.js then finds the runtime up.
 */
export async function startRuntime(source: RuntimeSource): Promise<void> {
  const wasm = env.wasm;
  // Without an mjs path the bundled ORT uses its embedded factory; transformers.js's default (a CDN) is unreachable.
  wasm.wasmBinary = source.kind === "bytes" ? source.wasm.slice().buffer : undefined;
  wasm.wasmPaths = source.kind === "entry" ? { wasm: source.url } : undefined;
  // One thread: ORT's pthreads would re-run this bundled worker script (decisions/0005).
  wasm.numThreads = 1;
  wasmEntry = source.kind === "entry" ? source : null;
  try {
    const session = await InferenceSession.create(IDENTITY_MODEL, { executionProviders: ["wasm"] });
    await session.release();
  } finally {
    // ORT has its instance now (or failed to start): the runtime URL goes back to the network.
    wasmEntry = null;
  }
}
