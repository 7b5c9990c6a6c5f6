import type { ManifestModel, ModelVariant } from "../../src/protocol/index.ts";
import { ClientError } from "../errors.ts";
import type { EngineOptions, Rung } from "./messages.ts";

export interface DeviceCapabilities {
  webgpu: { ok: true; maxBufferSize: number } | { ok: false; reason: string };
  /** navigator.deviceMemory in bytes (bucketed by the browser), when exposed. */
  deviceMemoryBytes: number | null;
  /** Storage this origin may still fill (quota − usage), when the browser says. */
  storageFreeBytes: number | null;
  /** Variant files already whole in the cache: they need no storage. */
  cachedFiles: ReadonlySet<string>;
  /** ORT's wasm heap this device measured per dtype (MeasuredPeaks): used over the manifest's estimate. */
  wasmPeakBytes?: ReadonlyMap<string, number>;
}

/** The largest share of the device's memory one model may plan to use. */
export const MEMORY_SHARE = 0.25;

/**
 * Every way to run the model that fits (memory budget, adapter limits, free storage), best first:
 * per backend (WebGPU, then WASM) its dtypes in order, then the smallest at half context. A failure
 * steps to the next rung. WebGPU takes the larger dtype first; WASM the smaller, unless a larger is
 * already cached: our q8 decodes as well as fp32 (decisions/0004) from a third of the bytes, so a
 * new visitor downloads less and a returning one downloads nothing (decisions/0014).
 */
export function planLadder(model: ManifestModel, options: EngineOptions, caps: DeviceCapabilities): Rung[] {
  const budget = options.memoryBudgetBytes ?? (caps.deviceMemoryBytes === null ? Infinity : caps.deviceMemoryBytes * MEMORY_SHARE);
  const variants = [...model.variants]
    .filter((v) => options.dtype === "auto" || v.dtype === options.dtype)
    .sort((a, b) => b.estimatedPeakBytes - a.estimatedPeakBytes);
  const backends = (["webgpu", "wasm"] as const).filter(
    (b) => (options.device === "auto" || options.device === b) && (b === "wasm" || fitsAdapter(model, caps)),
  );
  const rungs: Rung[] = [];
  for (const backend of backends) {
    const peak = (v: ModelVariant) => (backend === "wasm" ? caps.wasmPeakBytes?.get(v.dtype) : undefined) ?? v.estimatedPeakBytes;
    const fitting = variants.filter((v) => peak(v) <= budget && fitsStorage(model, v.file, caps));
    const ordered =
      backend === "webgpu"
        ? fitting
        : [...fitting.filter((v) => caps.cachedFiles.has(v.file)), ...fitting.filter((v) => !caps.cachedFiles.has(v.file)).reverse()];
    for (const variant of ordered) rungs.push({ backend, dtype: variant.dtype, contextLength: model.contextLength });
    const smallest = fitting.at(-1) ?? variants.at(-1);
    // Half the context halves the KV cache: the last resort before the next backend.
    if (smallest && (fitting.length > 0 || (peak(smallest) / 2 <= budget && fitsStorage(model, smallest.file, caps)))) {
      rungs.push({ backend, dtype: smallest.dtype, contextLength: Math.floor(model.contextLength / 2) });
    }
  }
  return rungs;
}

function fitsStorage(model: ManifestModel, file: string, caps: DeviceCapabilities): boolean {
  if (caps.storageFreeBytes === null || caps.cachedFiles.has(file)) return true;
  return (model.files.find((f) => f.path === file)?.bytes ?? 0) <= caps.storageFreeBytes;
}

/** The embedding matrix is the largest single buffer: the adapter must hold it in one binding. */
function fitsAdapter(model: ManifestModel, caps: DeviceCapabilities): boolean {
  if (!caps.webgpu.ok) return false;
  return model.architecture.vocab_size * model.architecture.n_embd * 4 <= caps.webgpu.maxBufferSize;
}

export const rungName = (rung: Rung) => `${rung.backend}/${rung.dtype}@${rung.contextLength}`;

/**
 * Failures that a smaller rung may survive: out of memory, a lost GPU, a refused allocation, a
 * backend that cannot start. Matched on what the runtime says (ORT's lost-GPU error is "failed to
 * call OrtRun() … The Device was lost before mapping was resolved."), not on words such as
 * "webgpu" or "buffer" that ORT's source paths put in every error: a bug must not pass as pressure.
 */
export function isResourceFailure(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /out ?of ?memory|\boom\b|device (was |is )?lost|devicelost|allocat|no available backend/i.test(text);
}

/**
 * The rungs left after `from` failed with `error`: a GPU that is gone takes every WebGPU rung with
 * it, and files that do not fit take every rung that needs the same files (its dtype).
 */
export function rungsAfter(rungs: readonly Rung[], from: Rung, error: unknown): Rung[] {
  const reason = error instanceof Error ? error.message : String(error);
  const gpuGone = from.backend === "webgpu" && /lost|destroy|no available backend|adapter/i.test(reason);
  const noRoom = isNoRoom(error);
  return rungs.filter((r) => r !== from && !(gpuGone && r.backend === "webgpu") && !(noRoom && r.dtype === from.dtype));
}

const isNoRoom = (error: unknown) => error instanceof ClientError && error.code === "quota_exceeded";

/**
 * Whether a failure on `rung` moves to the next one. On WebGPU any runtime failure does (drivers
 * differ, and WASM can still run the step); on WASM only resource failures do. Of our own typed
 * errors only `quota_exceeded` does (a smaller variant may fit where this one did not); the others
 * (cache, integrity, offline) a smaller rung would meet again.
 */
export function canStepDown(rung: Rung, error: unknown): boolean {
  if (error instanceof ClientError) return isNoRoom(error);
  return rung.backend === "webgpu" || isResourceFailure(error);
}
