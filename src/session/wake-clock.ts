import type { WakeRecord } from "../protocol/index.ts";

/** Wake records kept per session (older ones are dropped). */
export const WAKES_KEPT = 50;

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

  /** Call after each handled event; writes the record after the first one only. */
  firstEventDone(sql: SqlStorage): void {
    if (this.recorded || !this.hydrate) return;
    this.recorded = true;
    const record: WakeRecord = {
      at: Date.now(),
      trigger: this.hydrate.trigger,
      constructorMs: this.constructorMs,
      hydrateMs: this.hydrate.ms,
      rowsRead: this.hydrate.rowsRead,
      firstEventMs: performance.now() - this.constructedAt,
    };
    sql.exec("INSERT INTO wakes (body) VALUES (?)", JSON.stringify(record));
    sql.exec("DELETE FROM wakes WHERE id <= (SELECT MAX(id) FROM wakes) - ?", WAKES_KEPT);
  }
}
