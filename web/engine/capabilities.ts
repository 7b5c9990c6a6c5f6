import type { DeviceCapabilities } from "./ladder.ts";

interface GpuAdapterLike {
  readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  readonly info?: { isFallbackAdapter?: boolean };
  /** Where Chromium put it before `info` had it. */
  readonly isFallbackAdapter?: boolean;
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/**
 * A fallback adapter is WebGPU in software (SwiftShader): it ran our model 10–15× slower than WASM,
 * so it counts only when the app asked for it.
 */
export async function probeWebGpu(gpu: GpuLike | undefined, fallbackAllowed: boolean): Promise<DeviceCapabilities["webgpu"]> {
  if (!gpu) return { ok: false, reason: "navigator.gpu is absent" };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return { ok: false, reason: "no WebGPU adapter" };
    if ((adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter) === true && !fallbackAllowed) {
      return { ok: false, reason: "only a software (fallback) WebGPU adapter, slower than WASM" };
    }
    return { ok: true, maxBufferSize: Math.min(adapter.limits.maxBufferSize, adapter.limits.maxStorageBufferBindingSize) };
  } catch (error) {
    return { ok: false, reason: `requestAdapter failed: ${String(error)}` };
  }
}

/**
 * What this device offers, probed without loading anything (runs in the engine's worker).
 * `fallbackAllowed`: a software WebGPU adapter counts (the app asked for WebGPU, or for it).
 */
export async function probeCapabilities(cachedFiles: ReadonlySet<string>, fallbackAllowed: boolean): Promise<DeviceCapabilities> {
  const nav = navigator as Navigator & { gpu?: GpuLike; deviceMemory?: number };
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  return {
    webgpu: await probeWebGpu(nav.gpu, fallbackAllowed),
    deviceMemoryBytes: typeof nav.deviceMemory === "number" ? nav.deviceMemory * 2 ** 30 : null,
    storageFreeBytes: estimate?.quota !== undefined && estimate.usage !== undefined ? estimate.quota - estimate.usage : null,
    cachedFiles,
  };
}
