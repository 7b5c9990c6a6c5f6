import type { WakeRecord } from "../protocol/index.ts";
import type { Wakes } from "./wakes.ts";

/**
 * Cold-start accounting for one instance: constructor time, hydration (time and rows read), and
 * time from construction to the end of the first handled event. Recorded once per wake.
 */
export class WakeClock {
  private readonly constructedAt = performance.now();
  private constructorMs = 0;
  private hydrate: { ms: number; rowsRead: number; trigger: WakeRecord["trigger"] } | null = null;
  private recorded = false;

  constructed(): void {
    this.constructorMs = performance.now() - this.constructedAt;
  }

  hydrated(ms: number, rowsRead: number, trigger: WakeRecord["trigger"]): void {
    this.hydrate ??= { ms, rowsRead, trigger };
  }

  /** Call after each handled event; writes the record after the first one only (and says so). */
  firstEventDone(wakes: Pick<Wakes, "record">): boolean {
    if (this.recorded || !this.hydrate) return false;
    this.recorded = true;
    const record: WakeRecord = {
      at: Date.now(),
      trigger: this.hydrate.trigger,
      constructorMs: this.constructorMs,
      hydrateMs: this.hydrate.ms,
      rowsRead: this.hydrate.rowsRead,
      firstEventMs: performance.now() - this.constructedAt,
    };
    wakes.record(record);
    return true;
  }
}
