import { describe, expect, test } from "vitest";
import type { ManifestModel } from "../../src/protocol/index.ts";
import { canStepDown, type DeviceCapabilities, isResourceFailure, planLadder, rungName, rungsAfter } from "../../web/engine/ladder.ts";
import type { EngineOptions } from "../../web/engine/messages.ts";
import { ClientError } from "../../web/errors.ts";

const MB = 2 ** 20;
const model = {
  id: "m",
  contextLength: 256,
  architecture: { model_type: "gpt2", n_layer: 4, n_head: 4, n_embd: 256, vocab_size: 2048 },
  files: [
    { path: "q.onnx", bytes: 6 * MB, sha256: "" },
    { path: "f.onnx", bytes: 17 * MB, sha256: "" },
  ],
  variants: [
    { dtype: "q8", file: "q.onnx", estimatedPeakBytes: 20 * MB, estimate: "" },
    { dtype: "fp32", file: "f.onnx", estimatedPeakBytes: 40 * MB, estimate: "" },
  ],
} as unknown as ManifestModel;
const options: EngineOptions = { baseUrl: "http://x", modelId: "m", device: "auto", dtype: "auto", idleUnloadMs: 1000 };
const gpu: DeviceCapabilities = {
  webgpu: { ok: true, maxBufferSize: 256 * MB },
  deviceMemoryBytes: 8 * 1024 * MB,
  storageFreeBytes: null,
  cachedFiles: new Set(),
};
const names = (caps: DeviceCapabilities, opts: Partial<EngineOptions> = {}) =>
  planLadder(model, { ...options, ...opts }, caps).map(rungName);

describe("memory ladder", () => {
  test("best first: WebGPU larger dtype first, WASM smaller first, then the shorter context; WebGPU before WASM", () => {
    expect(names(gpu)).toEqual(["webgpu/fp32@256", "webgpu/q8@256", "webgpu/q8@128", "wasm/q8@256", "wasm/fp32@256", "wasm/q8@128"]);
  });

  test("on WASM a variant already cached goes before one that would download", () => {
    expect(names({ ...gpu, cachedFiles: new Set(["f.onnx"]) }, { device: "wasm" })).toEqual([
      "wasm/fp32@256",
      "wasm/q8@256",
      "wasm/q8@128",
    ]);
    expect(names({ ...gpu, cachedFiles: new Set(["q.onnx", "f.onnx"]) }, { device: "wasm" })).toEqual([
      "wasm/fp32@256",
      "wasm/q8@256",
      "wasm/q8@128",
    ]);
  });

  test("no adapter, or one whose buffers cannot hold the embedding: WASM only", () => {
    expect(names({ ...gpu, webgpu: { ok: false, reason: "none" } })).toEqual(["wasm/q8@256", "wasm/fp32@256", "wasm/q8@128"]);
    expect(names({ ...gpu, webgpu: { ok: true, maxBufferSize: 1 * MB } })).toEqual(["wasm/q8@256", "wasm/fp32@256", "wasm/q8@128"]);
  });

  test("the memory budget drops variants that would not fit", () => {
    // 128 MiB of device memory → a 32 MiB budget: fp32 (40 MiB) is out, q8 (20 MiB) stays.
    expect(names({ ...gpu, deviceMemoryBytes: 128 * MB }, { device: "wasm" })).toEqual(["wasm/q8@256", "wasm/q8@128"]);
    // 48 MiB → 12 MiB: only q8 at half context (its KV cache halves) remains.
    expect(names({ ...gpu, deviceMemoryBytes: 48 * MB }, { device: "wasm" })).toEqual(["wasm/q8@128"]);
    expect(names({ ...gpu, deviceMemoryBytes: 16 * MB }, { device: "wasm" })).toEqual([]);
  });

  test("on WASM the heap this device measured replaces the manifest's estimate in the budget", () => {
    // 256 MiB of device memory → a 64 MiB budget: both estimates fit, but fp32 was measured at 70 MiB.
    const caps = { ...gpu, deviceMemoryBytes: 256 * MB, wasmPeakBytes: new Map([["fp32", 70 * MB]]) };
    expect(names(caps, { device: "wasm" })).toEqual(["wasm/q8@256", "wasm/q8@128"]);
    expect(names({ ...caps, wasmPeakBytes: new Map() }, { device: "wasm" })).toEqual(["wasm/q8@256", "wasm/fp32@256", "wasm/q8@128"]);
    // WebGPU keeps its weights in GPU buffers the wasm heap does not show: the estimate stands there.
    expect(names(caps, { device: "webgpu" })).toEqual(["webgpu/fp32@256", "webgpu/q8@256", "webgpu/q8@128"]);
  });

  test("a variant that cannot be stored is skipped, unless it is already cached", () => {
    expect(names({ ...gpu, storageFreeBytes: 10 * MB }, { device: "wasm" })).toEqual(["wasm/q8@256", "wasm/q8@128"]);
    expect(names({ ...gpu, storageFreeBytes: 10 * MB, cachedFiles: new Set(["f.onnx"]) }, { device: "wasm" })).toEqual([
      "wasm/fp32@256",
      "wasm/q8@256",
      "wasm/q8@128",
    ]);
  });

  test("pinned device or dtype narrow the ladder", () => {
    expect(names(gpu, { device: "webgpu", dtype: "fp32" })).toEqual(["webgpu/fp32@256", "webgpu/fp32@128"]);
    expect(names(gpu, { dtype: "q8" })).toEqual(["webgpu/q8@256", "webgpu/q8@128", "wasm/q8@256", "wasm/q8@128"]);
  });

  test("which failures a smaller rung may survive", () => {
    expect(isResourceFailure(new RangeError("WebAssembly.Memory(): could not allocate memory"))).toBe(true);
    expect(isResourceFailure(new Error("WebGPU device lost (destroyed)"))).toBe(true);
    expect(isResourceFailure(new Error("no available backend found. ERR: [webgpu] ..."))).toBe(true);
    expect(isResourceFailure(new Error("integrity_mismatch: sha256 differs"))).toBe(false);
    expect(isResourceFailure(new TypeError("Cannot read properties of undefined"))).toBe(false);
    // What ORT 1.31 threw in Chromium after a real GPUDevice.destroy() (test/browser/webgpu-ladder).
    const lost =
      "failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /onnxruntime/core/providers/webgpu/buffer_manager.cc:643 … Failed to download data from buffer. wgpu::MapAsyncStatus value: 4, message: Failed to execute 'mapAsync' on 'GPUBuffer': The Device was lost before mapping was resolved.";
    expect(isResourceFailure(new Error(lost))).toBe(true);
    expect(isResourceFailure(new Error("GPUOutOfMemoryError: Out of memory"))).toBe(true);
    // Errors that only mention the GPU or a buffer are bugs, not pressure: no step down.
    expect(
      isResourceFailure(
        new Error(
          "failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: /onnxruntime/core/providers/webgpu/program_manager.cc:55 invalid input shape for buffer",
        ),
      ),
    ).toBe(false);
    expect(isResourceFailure(new RangeError("Maximum call stack size exceeded"))).toBe(false);
    expect(isResourceFailure(new Error("the zoom level is invalid"))).toBe(false);
  });

  test("WebGPU falls to the next rung on any runtime failure, WASM only under pressure, of our typed errors only a full quota", () => {
    const webgpu = { backend: "webgpu", dtype: "fp32", contextLength: 256 } as const;
    const wasm = { backend: "wasm", dtype: "q8", contextLength: 256 } as const;
    const shaderBug = new Error("failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: program_manager.cc:55 shader compilation failed");
    expect(canStepDown(webgpu, shaderBug)).toBe(true);
    expect(canStepDown(wasm, shaderBug)).toBe(false);
    expect(canStepDown(wasm, new RangeError("WebAssembly.Memory(): could not allocate memory"))).toBe(true);
    for (const rung of [webgpu, wasm]) {
      expect(canStepDown(rung, new ClientError("integrity_mismatch", "sha256 differs"))).toBe(false);
      expect(canStepDown(rung, new ClientError("offline", "the network is unreachable"))).toBe(false);
      expect(canStepDown(rung, new ClientError("quota_exceeded", "model files need 47 MB"))).toBe(true);
    }
  });

  test("files that do not fit take every rung of that dtype; a lost GPU every WebGPU rung", () => {
    const ladder = planLadder(model, options, gpu);
    const fp32 = ladder[0]!;
    expect(rungsAfter(ladder, fp32, new ClientError("quota_exceeded", "model files need 47 MB")).map(rungName)).toEqual([
      "webgpu/q8@256",
      "webgpu/q8@128",
      "wasm/q8@256",
      "wasm/q8@128",
    ]);
    expect(rungsAfter(ladder, fp32, new Error("GPUDevice was lost: destroyed")).map(rungName)).toEqual([
      "wasm/q8@256",
      "wasm/fp32@256",
      "wasm/q8@128",
    ]);
  });
});
