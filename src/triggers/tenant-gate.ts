import { DurableObject } from "cloudflare:workers";
import { schemaOnce } from "../storage/schema-once.ts";
import type { TenantLimits } from "./tenant-limits.ts";

/** An admitted event holds its in-flight slot until delivered, or this long if the consumer never says. */
const IN_FLIGHT_TTL_MS = 15 * 60_000;

export type Admission = { ok: true; order: number } | { ok: false; why: "rate" | "in_flight"; retryAfterMs: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS in_flight (key TEXT PRIMARY KEY, session TEXT NOT NULL, ord INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS streams (session TEXT PRIMARY KEY, last INTEGER NOT NULL);
`;

/**
 * Admission for one tenant's events (one object per tenant, so tenants never wait on each other):
 * a rate cap, an in-flight cap, and each session's delivery order. The order number an admitted
 * event gets is what the session journals it by; a repeat of an event still in flight gets the
 * same number and costs nothing. Owner of its three tables.
 */
export class TenantGate extends DurableObject<Env> {
  private readonly sql = schemaOnce(this.ctx, SCHEMA);

  admit(key: string, session: string, limits: TenantLimits, now = Date.now()): Admission {
    const sql = this.sql();
    return this.ctx.storage.transactionSync(() => {
      sql.exec("DELETE FROM in_flight WHERE expires_at <= ?", now);
      const held = sql.exec<{ ord: number }>("SELECT ord FROM in_flight WHERE key = ?", key).toArray()[0];
      if (held) return { ok: true as const, order: held.ord };
      const perMs = limits.perMinute / 60_000;
      const row = sql.exec<{ tokens: number; at: number }>("SELECT tokens, at FROM bucket").toArray()[0];
      const tokens = Math.min(limits.perMinute, (row?.tokens ?? limits.perMinute) + (now - (row?.at ?? now)) * perMs);
      if (tokens < 1) return { ok: false as const, why: "rate" as const, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
      if (this.inFlight() >= limits.inFlight) return { ok: false as const, why: "in_flight" as const, retryAfterMs: 1000 };
      sql.exec("INSERT OR REPLACE INTO bucket (id, tokens, at) VALUES (1, ?, ?)", tokens - 1, now);
      const order = (sql.exec<{ last: number }>("SELECT last FROM streams WHERE session = ?", session).toArray()[0]?.last ?? 0) + 1;
      sql.exec("INSERT OR REPLACE INTO streams (session, last) VALUES (?, ?)", session, order);
      sql.exec("INSERT INTO in_flight (key, session, ord, expires_at) VALUES (?, ?, ?, ?)", key, session, order, now + IN_FLIGHT_TTL_MS);
      return { ok: true as const, order };
    });
  }

  /** The event left the queue (delivered or dead-lettered): its slot is free. */
  release(key: string): void {
    this.sql().exec("DELETE FROM in_flight WHERE key = ?", key);
  }

  inFlight(): number {
    return this.sql().exec<{ n: number }>("SELECT COUNT(*) AS n FROM in_flight").one().n;
  }
}
