import type { ChatMessage, ColdStart, DeviceBackend, DeviceDtype, RuntimeVersions, ToolSpec } from "../../src/protocol/index.ts";
import type { CacheEvent } from "../cache/events.ts";
import type { ClientErrorCode } from "../errors.ts";

/** What the page asks of the engine: where the pins live and which devices it may use. */
export interface EngineOptions {
  /** Origin (or base URL) serving /models/manifest.json and /ort/runtime.json. */
  baseUrl: string;
  modelId: string;
  device: "auto" | DeviceBackend;
  /** Whether `auto` may pick a software (fallback) WebGPU adapter over WASM; default avoid. */
  fallbackAdapter?: "avoid" | "allow";
  dtype: "auto" | DeviceDtype;
  /**
   * "ask" (default): no model byte moves until the person chooses (`load({ download: true })`);
   * a load that needs files says so (state `needs_download`) and fails with `download_needed`.
   * "auto": a page's `load()` downloads; a leased step still refuses to replace evicted files.
   */
  download?: "ask" | "auto";
  /** Unload the model after this long without a step (the device scales to zero too). */
  idleUnloadMs: number;
  /** Cap on the model's estimated peak memory; default from navigator.deviceMemory. */
  memoryBudgetBytes?: number;
  cacheName?: string;
}

/** One rung of the memory ladder: a way to run the model, most capable first. */
export interface Rung {
  backend: DeviceBackend;
  dtype: DeviceDtype;
  contextLength: number;
}

export interface LoadedModel extends Rung {
  modelId: string;
  /** `id@sha256:<digest of the ONNX file in use>`, stamped on every step this device computes. */
  pin: string;
  /** The ORT and transformers.js builds this model runs on, stamped with its steps. */
  versions: RuntimeVersions;
  coldStart: ColdStart;
}

export interface GenerateResult {
  text: string;
  tokens: number;
  decodeMs: number;
  firstTokenMs: number;
  model: LoadedModel;
  /** Cold start of a load this step had to do; null when the model was already in memory. */
  coldStart: ColdStart | null;
  fallbacks: string[];
  /**
   * ORT's wasm heap after this step, in bytes: the most this worker's runtime has held (a wasm
   * memory only grows). Null before the runtime has one.
   */
  wasmHeapBytes: number | null;
}

/** Test and chaos levers: a real `device.destroy()` on WebGPU, an allocation failure, logits pushed toward invalid JSON. */
export type EngineFault = "device_lost" | "oom" | "garbled_logits";

/** One step to compute: `tools` are the session's specs, a tool call is decoded under their grammar. */
export interface StepRequest {
  messages: ChatMessage[];
  maxNewTokens: number;
  tools: ToolSpec[];
  /** The model revision the session runs (its lease offer's); null: the manifest's current one. */
  revision: string | null;
}

export type EngineRequest =
  | { id: number; type: "configure"; options: EngineOptions }
  /** `download`: the person chose to download what is missing. */
  | { id: number; type: "load"; download: boolean }
  | ({ id: number; type: "generate" } & StepRequest)
  | { id: number; type: "unload" }
  | { id: number; type: "cache.status" }
  | { id: number; type: "cache.delete" }
  | { id: number; type: "fault"; fault: EngineFault };

export type EngineEvent =
  | { type: "cache"; event: CacheEvent }
  | { type: "token"; id: number; text: string }
  | { type: "state"; state: EngineState }
  | { type: "ladder"; from: Rung; to: Rung | null; reason: string }
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; error: { code: ClientErrorCode; message: string } };

export type EngineState =
  | { status: "idle"; cached: boolean | null }
  | { status: "loading"; rung: Rung }
  | { status: "ready"; model: LoadedModel }
  | { status: "generating"; model: LoadedModel }
  | { status: "unavailable"; reason: string }
  /** Files must be downloaded first; `returning`: this device held them before (the browser removed them). */
  | { status: "needs_download"; bytes: number; files: number; returning: boolean }
  | { status: "failed"; error: { code: ClientErrorCode; message: string } };
