import { DurableObject } from "cloudflare:workers";
import type { TriggerEvent } from "../protocol/index.ts";
import { schemaOnce } from "../storage/schema-once.ts";
import { RESEND_AFTER_MS } from "./admission.ts";
import type { TenantLimits } from "./tenant-limits.ts";

/** An admitted event holds its in-flight slot until delivered, or this long if the consumer never says. */
const IN_FLIGHT_TTL_MS = 15 * 60_000;

export type Admission = { ok: true; order: number } | { ok: false; why: "rate" | "in_flight"; retryAfterMs: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS in_flight (key TEXT PRIMARY KEY, session TEXT NOT NULL, ord INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS streams (session TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, event TEXT NOT NULL, resend_at INTEGER NOT NULL);
`;

/**
 * Admission for one tenant's events (one object per tenant, so tenants never wait on each other):
 * a rate cap, an in-flight cap, and each session's delivery order. The order number an admitted
 * event gets is what the session journals it by; a repeat of an event still in flight gets the
 * same number and costs nothing. Until delivered, the event itself is kept (`outbox`) and queued
 * again if the queue never delivers it. Owner of its four tables.
 */
export class TenantGate extends DurableObject<Env> {
  private readonly sql = schemaOnce(this.ctx, SCHEMA);

  /** `event`: the event to queue again if it is not delivered (its `order` is filled in here). */
  async admit(
    key: string,
    session: string,
    limits: TenantLimits,
    now = Date.now(),
    event: Omit<TriggerEvent, "order"> | null = null,
  ): Promise<Admission> {
    const admission = this.admitNow(key, session, limits, now, event);
    if (admission.ok && event) await this.wakeBy(now + RESEND_AFTER_MS);
    return admission;
  }

  private admitNow(key: string, session: string, limits: TenantLimits, now: number, event: Omit<TriggerEvent, "order"> | null): Admission {
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
      if (event) {
        sql.exec(
          "INSERT INTO outbox (key, event, resend_at) VALUES (?, ?, ?)",
          key,
          JSON.stringify({ ...event, order }),
          now + RESEND_AFTER_MS,
        );
      }
      return { ok: true as const, order };
    });
  }

  /** The event left the queue (delivered or dead-lettered): its slot is free. */
  release(key: string): void {
    this.sql().exec("DELETE FROM in_flight WHERE key = ?", key);
    this.sql().exec("DELETE FROM outbox WHERE key = ?", key);
  }

  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Queues again each event still undelivered after RESEND_AFTER_MS; drops those whose slot expired. */
  override async alarm(): Promise<void> {
    const sql = this.sql();
    const now = Date.now();
    sql.exec("DELETE FROM outbox WHERE key NOT IN (SELECT key FROM in_flight WHERE expires_at > ?)", now);
    const due = sql.exec<{ key: string; event: string }>("SELECT key, event FROM outbox WHERE resend_at <= ?", now).toArray();
    for (const { key, event } of due) {
      await this.env.EVENTS.send(JSON.parse(event) as TriggerEvent, { contentType: "json" });
      sql.exec("UPDATE outbox SET resend_at = ? WHERE key = ?", Date.now() + RESEND_AFTER_MS, key);
    }
    const next = sql.exec<{ at: number | null }>("SELECT MIN(resend_at) AS at FROM outbox").one().at;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  inFlight(): number {
    return this.sql().exec<{ n: number }>("SELECT COUNT(*) AS n FROM in_flight").one().n;
  }
}
