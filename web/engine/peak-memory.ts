import { createStore, get, set, type UseStore } from "idb-keyval";
import type { DeviceBackend } from "../../src/protocol/index.ts";

/**
 * The runtime's wasm heap as this device measured it, per model pin and backend, in IndexedDB: the
 * ladder's budget then uses what the device saw instead of the manifest's estimate (decisions/0014).
 * Only WASM is measured (on WebGPU the weights live in GPU buffers the heap does not show).
 */
export class MeasuredPeaks {
  private readonly store: UseStore;
  /** The largest value known per key (read or written): a step whose heap did not grow writes nothing. */
  private readonly known = new Map<string, number>();

  constructor(cacheName: string) {
    this.store = createStore(`${cacheName}-peaks`, "peaks");
  }

  /** Keeps the largest heap seen for `pin` on `backend`. */
  async record(pin: string, backend: DeviceBackend, bytes: number): Promise<void> {
    const key = `${backend}|${pin}`;
    if (bytes <= (this.known.get(key) ?? 0)) return;
    const stored = (await get<number>(key, this.store)) ?? 0;
    this.known.set(key, Math.max(bytes, stored));
    if (bytes > stored) await set(key, bytes, this.store);
  }

  /** What was measured on `backend` for each of `pins` (dtype → pin), by dtype. */
  async measured(backend: DeviceBackend, pins: ReadonlyMap<string, string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [dtype, pin] of pins) {
      const bytes = await get<number>(`${backend}|${pin}`, this.store);
      if (bytes !== undefined) out.set(dtype, bytes);
    }
    return out;
  }
}
