import { DormantError } from "./errors.ts";
import { isRecord } from "./validate.ts";

/** Where a device step ran. */
export type DeviceBackend = "webgpu" | "wasm";
export type DeviceDtype = "fp32" | "q8";

/**
 * One model load on a device, phase by phase (ms). A phase that did not happen is 0: a warm cache
 * has no download, and a model already in memory reports no cold start at all.
 */
export interface ColdStart {
  /** The client's WebSocket open → welcome, most recent connect (the session's wake is in its stats). */
  connectMs: number;
  cacheLookupMs: number;
  downloadMs: number;
  verifyMs: number;
  compileMs: number;
  warmupMs: number;
  firstTokenMs: number;
  bytesDownloaded: number;
  bytesFromCache: number;
}

/** The inference runtime a device step ran on, as the device reported it (the versions it loaded). */
export interface RuntimeVersions {
  onnxruntimeWeb: string;
  transformersJs: string;
}

/** How a device step was computed, sent with `step.complete` and journaled with it. */
export interface StepRuntime {
  backend: DeviceBackend;
  dtype: DeviceDtype;
  contextLength: number;
  tokens: number;
  decodeMs: number;
  /** Present on the first step after a load. */
  coldStart: ColdStart | null;
  /** Ladder steps taken during this step (`webgpu/fp32 → wasm/fp32: device_lost`), oldest first. */
  fallbacks: string[];
  /** Null from a device that did not say. */
  versions: RuntimeVersions | null;
}

const COLD_START_KEYS = [
  "connectMs",
  "cacheLookupMs",
  "downloadMs",
  "verifyMs",
  "compileMs",
  "warmupMs",
  "firstTokenMs",
  "bytesDownloaded",
  "bytesFromCache",
] as const;

function measure(obj: Record<string, unknown>, key: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1e12) {
    throw new DormantError("invalid_request", `"runtime.${key}" must be a non-negative number`);
  }
  return value;
}

function coldStart(value: unknown): ColdStart | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw new DormantError("invalid_request", '"runtime.coldStart" must be an object');
  return Object.fromEntries(COLD_START_KEYS.map((key) => [key, measure(value, key)])) as unknown as ColdStart;
}

function runtimeVersions(value: unknown): RuntimeVersions | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw new DormantError("invalid_request", '"runtime.versions" must be an object');
  const version = (key: keyof RuntimeVersions) => {
    const v = value[key];
    if (typeof v !== "string" || v.length === 0 || v.length > 64)
      throw new DormantError("invalid_request", `"runtime.versions.${key}" must be a short string`);
    return v;
  };
  return { onnxruntimeWeb: version("onnxruntimeWeb"), transformersJs: version("transformersJs") };
}

export function parseStepRuntime(value: unknown): StepRuntime | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw new DormantError("invalid_request", '"runtime" must be an object');
  if (value.backend !== "webgpu" && value.backend !== "wasm")
    throw new DormantError("invalid_request", '"runtime.backend" must be webgpu or wasm');
  if (value.dtype !== "fp32" && value.dtype !== "q8") throw new DormantError("invalid_request", '"runtime.dtype" must be fp32 or q8');
  const fallbacks = value.fallbacks ?? [];
  if (!Array.isArray(fallbacks) || fallbacks.length > 8 || !fallbacks.every((f) => typeof f === "string" && f.length <= 200)) {
    throw new DormantError("invalid_request", '"runtime.fallbacks" must be up to 8 short strings');
  }
  return {
    backend: value.backend,
    dtype: value.dtype,
    contextLength: measure(value, "contextLength"),
    tokens: measure(value, "tokens"),
    decodeMs: measure(value, "decodeMs"),
    coldStart: coldStart(value.coldStart),
    fallbacks: fallbacks as string[],
    versions: runtimeVersions(value.versions),
  };
}
