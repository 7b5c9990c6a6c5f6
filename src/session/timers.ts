/**
 * Many logical timers (leases, approval expiries, status re-checks, watchdogs) over the one alarm a
 * Durable Object has. The alarm is pointed at the earliest timer inside the same transaction that
 * changed the timers (SQLite-backed objects keep the alarm in the database, so it commits or rolls
 * back with the rows): a crash after any commit finds the alarm already armed, and recovery never
 * waits for a client.
 */
/**
 * `watchdog` wakes the object if it died with a tool runnable or in flight; a `schedule` timer's
 * key is a schedule id, not an operation's.
 */
export type TimerKind = "lease" | "approval" | "status" | "watchdog" | "schedule";

export interface DueTimer {
  kind: TimerKind;
  opKey: string;
}

export class Timers {
  private changed = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

  set(kind: TimerKind, opKey: string, dueAt: number): void {
    this.sql.exec("INSERT OR REPLACE INTO timers (key, due_at) VALUES (?, ?)", `${kind}:${opKey}`, dueAt);
    this.changed = true;
  }

  clear(kind: TimerKind, opKey: string): void {
    this.sql.exec("DELETE FROM timers WHERE key = ?", `${kind}:${opKey}`);
    this.changed = true;
  }

  dueAt(kind: TimerKind, opKey: string): number | null {
    const row = this.sql.exec<{ due_at: number }>("SELECT due_at FROM timers WHERE key = ?", `${kind}:${opKey}`).toArray()[0];
    return row?.due_at ?? null;
  }

  /** Removes and returns the timers due at `now`. */
  takeDue(now: number): DueTimer[] {
    const rows = this.sql.exec<{ key: string }>("SELECT key FROM timers WHERE due_at <= ? ORDER BY due_at", now).toArray();
    this.sql.exec("DELETE FROM timers WHERE due_at <= ?", now);
    this.changed = true;
    return rows.map(({ key }) => {
      const at = key.indexOf(":");
      return { kind: key.slice(0, at) as TimerKind, opKey: key.slice(at + 1) };
    });
  }

  next(): number | null {
    return this.sql.exec<{ d: number | null }>("SELECT MIN(due_at) AS d FROM timers").one().d;
  }

  /**
   * Inside a transaction, after its writes: points the alarm at the earliest timer (or clears it)
   * if this transaction changed any. The storage calls are synchronous for SQLite-backed objects.
   */
  pointAlarm(): void {
    if (!this.changed) return;
    this.changed = false;
    const due = this.next();
    void (due === null ? this.storage.deleteAlarm() : this.storage.setAlarm(due));
  }

  /** A rolled-back transaction's timer writes are gone; so is the need to point the alarm. */
  discard(): void {
    this.changed = false;
  }
}
