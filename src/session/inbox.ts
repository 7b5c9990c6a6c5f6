/**
 * User messages that arrived while a turn was running, oldest first; each starts a turn of its own
 * when the one before it ends. Owner of the `inbox` table.
 */
export class Inbox {
  constructor(private readonly sql: SqlStorage) {}

  /** Inside a transaction: message `seq` waits its turn. */
  hold(seq: number, text: string): void {
    this.sql.exec("INSERT INTO inbox (seq, text) VALUES (?, ?)", seq, text);
  }

  /** Inside a transaction: the oldest waiting message, taken out of the inbox (null when none waits). */
  take(): { seq: number; text: string } | null {
    const next = this.sql.exec<{ seq: number; text: string }>("SELECT seq, text FROM inbox ORDER BY seq LIMIT 1").toArray()[0];
    if (!next) return null;
    this.sql.exec("DELETE FROM inbox WHERE seq = ?", next.seq);
    return next;
  }
}
