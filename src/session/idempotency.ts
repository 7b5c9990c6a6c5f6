import { type AppendResult, DormantError } from "../protocol/index.ts";

/** An Idempotency-Key and what it was sent with (the request's canonical fingerprint). */
export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
}

/**
 * Idempotency-Key bookkeeping: the first response for a key is stored in the same transaction as
 * the effect, so a repeat (even a concurrent one) replays it instead of acting twice.
 */
export class IdempotencyStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Inside a transaction: runs `append` once per key. A repeat of the same request gets the first
   * result back (`replayed`); a different request under a used key is a client error.
   */
  once(claim: IdempotencyClaim | null, append: () => AppendResult): AppendResult {
    if (!claim) return append();
    const row = this.sql
      .exec<{ fingerprint: string; response: string }>("SELECT fingerprint, response FROM idempotency WHERE key = ?", claim.key)
      .toArray()[0];
    if (row && row.fingerprint !== claim.fingerprint) {
      throw new DormantError("idempotency_key_reused", "this Idempotency-Key was used for a different request");
    }
    if (row) return { ...(JSON.parse(row.response) as AppendResult), replayed: true };
    const result = append();
    const sql = "INSERT INTO idempotency (key, fingerprint, response, at) VALUES (?, ?, ?, ?)";
    this.sql.exec(sql, claim.key, claim.fingerprint, JSON.stringify(result), Date.now());
    return result;
  }

  /** Forgets keys first used before `before` (a repeat after that appends again). */
  prune(before: number): number {
    return this.sql.exec("DELETE FROM idempotency WHERE at < ?", before).rowsWritten;
  }
}
