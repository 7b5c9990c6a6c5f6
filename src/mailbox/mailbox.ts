import { DurableObject } from "cloudflare:workers";
import { schemaOnce } from "../storage/schema-once.ts";

export interface OutgoingMail {
  to: string;
  subject: string;
  body: string;
}

export interface SentMail extends OutgoingMail {
  key: string;
  messageId: string;
  /** How many send requests carried this key: more than 1 means a caller retried. */
  attempts: number;
  at: number;
}

/**
 * The local mail provider `npm start` uses (one per tenant): it accepts an idempotency key like a
 * real provider, dedupes by it, and answers status queries. Nothing leaves the machine.
 */
export class Mailbox extends DurableObject<Env> {
  private readonly sql = schemaOnce(
    this.ctx,
    "CREATE TABLE IF NOT EXISTS mail (key TEXT PRIMARY KEY, message_id TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, at INTEGER NOT NULL)",
  );

  async send(key: string, mail: OutgoingMail): Promise<{ messageId: string }> {
    const existing = this.status(key);
    if (existing) {
      this.sql().exec("UPDATE mail SET attempts = attempts + 1 WHERE key = ?", key);
      return { messageId: existing.messageId };
    }
    const messageId = crypto.randomUUID();
    this.sql().exec(
      "INSERT INTO mail (key, message_id, body, attempts, at) VALUES (?, ?, ?, 1, ?)",
      key,
      messageId,
      JSON.stringify(mail),
      Date.now(),
    );
    return { messageId };
  }

  status(key: string): { messageId: string } | null {
    const row = this.sql().exec<{ message_id: string }>("SELECT message_id FROM mail WHERE key = ?", key).toArray()[0];
    return row ? { messageId: row.message_id } : null;
  }

  list(): SentMail[] {
    return this.sql()
      .exec<{ key: string; message_id: string; body: string; attempts: number; at: number }>("SELECT * FROM mail ORDER BY at")
      .toArray()
      .map((row) => ({
        ...(JSON.parse(row.body) as OutgoingMail),
        key: row.key,
        messageId: row.message_id,
        attempts: row.attempts,
        at: row.at,
      }));
  }
}
