/**
 * Idempotency-Key bookkeeping: the first response for a key is stored in the same transaction as
 * the effect, so a repeat (even a concurrent one) replays it instead of acting twice.
 */
export class IdempotencyStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The stored response, or null. A known key with a different request is a client error. */
  lookup(key: string, fingerprint: string): { response: string; sameRequest: boolean } | null {
    const row = this.sql
      .exec<{ fingerprint: string; response: string }>("SELECT fingerprint, response FROM idempotency WHERE key = ?", key)
      .toArray()[0];
    return row ? { response: row.response, sameRequest: row.fingerprint === fingerprint } : null;
  }

  record(key: string, fingerprint: string, response: string): void {
    this.sql.exec("INSERT INTO idempotency (key, fingerprint, response, at) VALUES (?, ?, ?, ?)", key, fingerprint, response, Date.now());
  }
}
