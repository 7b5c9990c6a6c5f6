import type { WakeRecord } from "../protocol/index.ts";

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

  /** Call after each handled event: the wake's record after the first one, null after the others. */
  firstEvent(): WakeRecord | null {
    if (this.recorded || !this.hydrate) return null;
    this.recorded = true;
    return {
      at: Date.now(),
      trigger: this.hydrate.trigger,
      constructorMs: this.constructorMs,
      hydrateMs: this.hydrate.ms,
      rowsRead: this.hydrate.rowsRead,
      firstEventMs: performance.now() - this.constructedAt,
    };
  }
}
