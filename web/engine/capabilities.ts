import type { DeviceCapabilities } from "./ladder.ts";

interface GpuAdapterLike {
  readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  readonly info?: { isFallbackAdapter?: boolean };
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

async function probeWebGpu(gpu: GpuLike | undefined): Promise<DeviceCapabilities["webgpu"]> {
  if (!gpu) return { ok: false, reason: "navigator.gpu is absent" };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return { ok: false, reason: "no WebGPU adapter" };
    return { ok: true, maxBufferSize: Math.min(adapter.limits.maxBufferSize, adapter.limits.maxStorageBufferBindingSize) };
  } catch (error) {
    return { ok: false, reason: `requestAdapter failed: ${String(error)}` };
  }
}

/** What this device offers, probed without loading anything (runs in the engine's worker). */
export async function probeCapabilities(cachedFiles: ReadonlySet<string>): Promise<DeviceCapabilities> {
  const nav = navigator as Navigator & { gpu?: GpuLike; deviceMemory?: number };
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  return {
    webgpu: await probeWebGpu(nav.gpu),
    deviceMemoryBytes: typeof nav.deviceMemory === "number" ? nav.deviceMemory * 2 ** 30 : null,
    storageFreeBytes: estimate?.quota !== undefined && estimate.usage !== undefined ? estimate.quota - estimate.usage : null,
    cachedFiles,
  };
}
