import { DurableObject } from "cloudflare:workers";
import { type DeadLetter, isRecord, isTriggerEvent, type Json, type TriggerEvent } from "../protocol/index.ts";
import { schemaOnce } from "../storage/schema-once.ts";
import type { StubSurface } from "../storage/stub-surface.ts";

/** What the consumer puts on the dead-letter queue: the message as it was, and why it gave up. */
export interface DeadLetterInput {
  id: string;
  body: unknown;
  error: { code: string; message: string };
  attempts: number;
}

/** Dead letters are kept this long (pruned by the deployment's cron), replayed or not. */
export const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS letters (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL, replayed_at INTEGER
);
CREATE INDEX IF NOT EXISTS letters_tenant ON letters (tenant, at);`;

function isInput(value: unknown): value is DeadLetterInput {
  return isRecord(value) && typeof value.id === "string" && isRecord(value.error) && typeof value.attempts === "number" && "body" in value;
}

type DeadLetterStore = StubSurface<DeadLetters, "keep" | "list" | "get" | "claimReplay" | "unclaimReplay" | "prune">;

/** The one dead-letter store (letters are rare; one object keeps listing and pruning simple). */
export function deadLetters(env: Env): DeadLetterStore {
  return env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName("all")) as unknown as DeadLetterStore;
}

/** Events that ran out of delivery attempts, with their last error, until replayed or pruned. Owner of `letters`. */
export class DeadLetters extends DurableObject<Env> {
  private readonly sql = schemaOnce(this.ctx, SCHEMA);

  /**
   * A message from the dead-letter queue: ours carries the error; one Cloudflare routed here after
   * `max_retries` is the bare event (this consumer never answered for it).
   */
  keep(queueId: string, body: unknown, attempts: number, now = Date.now()): void {
    const input: DeadLetterInput = isInput(body)
      ? body
      : { id: queueId, body, error: { code: "internal", message: "the consumer never acknowledged this event" }, attempts };
    const event = isTriggerEvent(input.body) ? input.body : null;
    const letter: DeadLetter = {
      id: input.id,
      tenant: event?.tenant ?? "unknown",
      event,
      raw: event ? null : ((input.body ?? null) as Json),
      error: input.error,
      attempts: input.attempts,
      at: now,
      replayedAt: null,
    };
    const sql = "INSERT OR IGNORE INTO letters (id, tenant, body, at) VALUES (?, ?, ?, ?)";
    this.sql().exec(sql, letter.id, letter.tenant, JSON.stringify(letter), now);
  }

  list(tenants: "*" | readonly string[], limit: number): DeadLetter[] {
    const rows = this.sql().exec<{ body: string; tenant: string; replayed_at: number | null }>(
      "SELECT body, tenant, replayed_at FROM letters ORDER BY at DESC LIMIT ?",
      tenants === "*" ? limit : 10_000,
    );
    return rows
      .toArray()
      .filter((row) => tenants === "*" || tenants.includes(row.tenant))
      .slice(0, limit)
      .map((row) => ({ ...(JSON.parse(row.body) as DeadLetter), replayedAt: row.replayed_at }));
  }

  get(id: string): DeadLetter | null {
    const row = this.sql()
      .exec<{ body: string; replayed_at: number | null }>("SELECT body, replayed_at FROM letters WHERE id = ?", id)
      .toArray()[0];
    return row ? { ...(JSON.parse(row.body) as DeadLetter), replayedAt: row.replayed_at } : null;
  }

  /** Claims the letter for a replay; false if it was replayed already (a replay runs once). */
  claimReplay(id: string, now = Date.now()): TriggerEvent | null {
    const row = this.sql()
      .exec<{ body: string }>("UPDATE letters SET replayed_at = ? WHERE id = ? AND replayed_at IS NULL RETURNING body", now, id)
      .toArray()[0];
    return row ? (JSON.parse(row.body) as DeadLetter).event : null;
  }

  /** The replay failed: the letter may be replayed again. */
  unclaimReplay(id: string): void {
    this.sql().exec("UPDATE letters SET replayed_at = NULL WHERE id = ?", id);
  }

  prune(now = Date.now()): number {
    return this.sql().exec("DELETE FROM letters WHERE at < ?", now - DEAD_LETTER_RETENTION_MS).rowsWritten;
  }
}
