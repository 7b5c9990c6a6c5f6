import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { deadLetters } from "../../src/triggers/dead-letters.ts";
import { HOUSEKEEPING_CRON } from "../../src/triggers/deployment-crons.ts";
import { createSession, evict } from "./helpers.ts";

const DAY = 24 * 3600_000;
const message = (text: string) => ({ type: "user.message", text });

describe("housekeeping", () => {
  it("a waking session forgets week-old idempotency keys and month-old ended consents, and keeps what is still live", async () => {
    const s = await createSession();
    expect((await s.post("/events", message("first"), { "idempotency-key": "old-key" })).status).toBe(201);
    expect((await s.post("/events", message("second"), { "idempotency-key": "fresh-key" })).status).toBe(201);
    const now = Date.now();
    await runInDurableObject(s.stub, (_i, state) => {
      const { sql } = state.storage;
      sql.exec("UPDATE idempotency SET at = ? WHERE key = 'old-key'", now - 8 * DAY);
      const consent = (id: string, expiresAt: number, revokedAt: number | null, by: string) =>
        sql.exec(
          "INSERT INTO consents (id, scope, op_key, expires_at, revoked_at, body) VALUES (?, 'session', NULL, ?, ?, ?)",
          id,
          expiresAt,
          revokedAt,
          JSON.stringify({ id, by }),
        );
      consent("expired-long-ago", now - 31 * DAY, null, "user");
      consent("revoked-long-ago", now - DAY, now - 31 * DAY, "user");
      consent("policy-revoked-long-ago", now + DAY, now - 31 * DAY, "policy"); // Keeps the session asking the person.
      consent("expired-yesterday", now - DAY, null, "user");
    });
    await evict(s);
    await s.get(""); // The wake's first event; pruning follows it.
    const consents = await runInDurableObject(s.stub, (_i, state) =>
      state.storage.sql
        .exec<{ id: string }>("SELECT id FROM consents ORDER BY id")
        .toArray()
        .map((r) => r.id),
    );
    expect(consents).toEqual(["expired-yesterday", "policy-revoked-long-ago"]);
    // The old key is forgotten (the message appends again); the fresh one still replays.
    expect((await s.post("/events", message("first"), { "idempotency-key": "old-key" })).status).toBe(201);
    expect((await s.post("/events", message("second"), { "idempotency-key": "fresh-key" })).status).toBe(200);
  });

  it("the nightly Cron Trigger prunes dead letters older than 30 days", async () => {
    const store = deadLetters(env);
    const letter = (id: string, at: number) =>
      store.keep(id, { id, body: { not: "an event" }, error: { code: "internal", message: "x" }, attempts: 5 }, 5, at);
    await letter("old-letter", Date.now() - 31 * DAY);
    await letter("recent-letter", Date.now() - DAY);
    await worker.scheduled(createScheduledController({ cron: HOUSEKEEPING_CRON, scheduledTime: Date.now() }), env);
    expect(await store.get("old-letter")).toBeNull();
    expect(await store.get("recent-letter")).toMatchObject({ id: "recent-letter", tenant: "unknown" });
  });
});
