import { DormantError } from "../protocol/index.ts";
import { INBOX_RETRY_AFTER_S, MAX_INBOX } from "./limits.ts";

/**
 * User messages that arrived while a turn was running, oldest first; each starts a turn of its own
 * when the one before it ends. Bounded: past `MAX_INBOX` the sender is told to come back (429),
 * and nothing of the refused event is stored. Owner of the `inbox` table.
 */
export class Inbox {
  constructor(private readonly sql: SqlStorage) {}

  /** Inside a transaction: message `seq` waits its turn, or the transaction fails with `inbox_full`. */
  hold(seq: number, text: string): void {
    if (this.full()) {
      throw new DormantError(
        "inbox_full",
        `${MAX_INBOX} messages are already waiting for this session's current turn`,
        INBOX_RETRY_AFTER_S,
      );
    }
    this.sql.exec("INSERT INTO inbox (seq, text) VALUES (?, ?)", seq, text);
  }

  full(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM inbox").one().n >= MAX_INBOX;
  }

  /** Inside a transaction: the oldest waiting message, taken out of the inbox (null when none waits). */
  take(): { seq: number; text: string } | null {
    const next = this.sql.exec<{ seq: number; text: string }>("SELECT seq, text FROM inbox ORDER BY seq LIMIT 1").toArray()[0];
    if (!next) return null;
    this.sql.exec("DELETE FROM inbox WHERE seq = ?", next.seq);
    return next;
  }
}
