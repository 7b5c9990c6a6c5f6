/**
 * Many logical timers (leases, approval expiries, status re-checks) over the one alarm a Durable
 * Object has: the alarm is always set to the earliest due timer.
 */
/** `watchdog` wakes the object if it died while a tool was in flight, so recovery never waits for a client. */
export type TimerKind = "lease" | "approval" | "status" | "watchdog";

export interface DueTimer {
  kind: TimerKind;
  opKey: string;
}

export class Timers {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

  set(kind: TimerKind, opKey: string, dueAt: number): void {
    this.sql.exec("INSERT OR REPLACE INTO timers (key, due_at) VALUES (?, ?)", `${kind}:${opKey}`, dueAt);
  }

  clear(kind: TimerKind, opKey: string): void {
    this.sql.exec("DELETE FROM timers WHERE key = ?", `${kind}:${opKey}`);
  }

  dueAt(kind: TimerKind, opKey: string): number | null {
    const row = this.sql.exec<{ due_at: number }>("SELECT due_at FROM timers WHERE key = ?", `${kind}:${opKey}`).toArray()[0];
    return row?.due_at ?? null;
  }

  /** Removes and returns the timers due at `now`. */
  takeDue(now: number): DueTimer[] {
    const rows = this.sql.exec<{ key: string }>("SELECT key FROM timers WHERE due_at <= ? ORDER BY due_at", now).toArray();
    this.sql.exec("DELETE FROM timers WHERE due_at <= ?", now);
    return rows.map(({ key }) => {
      const at = key.indexOf(":");
      return { kind: key.slice(0, at) as TimerKind, opKey: key.slice(at + 1) };
    });
  }

  next(): number | null {
    return this.sql.exec<{ d: number | null }>("SELECT MIN(due_at) AS d FROM timers").one().d;
  }

  /** Points the alarm at the earliest timer (or clears it). Call after every change. */
  async syncAlarm(): Promise<void> {
    const due = this.next();
    const current = await this.storage.getAlarm();
    if (due === null) {
      if (current !== null) await this.storage.deleteAlarm();
    } else if (current !== due) {
      await this.storage.setAlarm(due);
    }
  }
}
