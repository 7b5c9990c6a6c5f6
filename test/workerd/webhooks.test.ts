import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, type TriggerEvent } from "../../src/protocol/index.ts";
import { createSession, errorOf } from "./helpers.ts";
import { deliverHook, gate, listDeadLetters, queueSettles, received, untilReceived } from "./triggers.ts";

const LIMITS = { perMinute: 600, inFlight: 1000 };

// Webhooks end to end on the real parts: the Hono route, the tenant gate object, the Cloudflare
// Queue as the test pool's Miniflare runs it, the consumer, and the session's journal.

describe("signed webhooks", () => {
  it("the same delivery 100 times (50 at once) is one journal event, with its source, tenant and labels", async () => {
    const s = await createSession();
    const id = `delivery-${crypto.randomUUID()}`;
    const body = { session: s.id, data: { build: 42, status: "green" } };
    const first = await Promise.all(Array.from({ length: 50 }, () => deliverHook("demo", body, { id })));
    const rest = [];
    for (let i = 0; i < 50; i++) rest.push(await deliverHook("demo", body, { id }));
    for (const res of [...first, ...rest]) expect(res.status).toBe(202);
    const [event] = await untilReceived(s, 1);
    await queueSettles();
    const events = received(await s.journal());
    expect(events).toHaveLength(1);
    expect(event!.payload).toMatchObject({
      source: "webhook",
      name: "demo",
      tenant: "default",
      labels: ["external"],
      key: `hook:demo:${id}`,
    });
    expect((event!.payload as { data: unknown }).data).toEqual(body);
    // Every delivery released its in-flight slot once the session had it.
    expect(await gate("default").inFlight()).toBe(0);
  });

  it("a text in the body becomes a user turn that cites the event", async () => {
    const s = await createSession();
    const res = await deliverHook("demo", { session: s.id, text: "The nightly build failed; tell me what broke." });
    expect(res.status).toBe(202);
    const [event] = await untilReceived(s, 1);
    const message = (await s.journal()).find((e) => e.type === "user.message");
    expect(message?.payload).toEqual({ text: "The nightly build failed; tell me what broke.", queued: false, trigger: event!.seq });
  });

  it("refuses bad signatures, stale or future timestamps, oversize and malformed bodies with typed 4xx, storing nothing", async () => {
    const s = await createSession();
    const body = { session: s.id, data: { n: 1 } };
    const refusals = [
      [await deliverHook("demo", body, { secret: "another-secret-of-the-right-length-000000" }), 401, "unauthorized"],
      [await deliverHook("demo", body, { signature: "v1=00" }), 401, "unauthorized"],
      [await deliverHook("demo", body, { skewS: -6 * 60 }), 401, "unauthorized"],
      [await deliverHook("demo", body, { skewS: 6 * 60 }), 401, "unauthorized"],
      [await deliverHook("demo", null, { raw: JSON.stringify({ ...body, pad: "x".repeat(MAX_BODY_BYTES) }) }), 413, "payload_too_large"],
      [await deliverHook("demo", null, { raw: `{"session": "${s.id}", ` }), 400, "invalid_json"],
      [await deliverHook("demo", { data: 1 }), 400, "invalid_request"],
      [await deliverHook("nope", body), 404, "not_found"],
    ] as const;
    for (const [res, status, code] of refusals) expect(await errorOf(res)).toEqual({ status, code });
    await queueSettles();
    expect(received(await s.journal())).toHaveLength(0);
    expect((await listDeadLetters()).filter((l) => (l.event as TriggerEvent | null)?.session === s.id)).toHaveLength(0);
  });

  it("accepts a sender whose clock is 4 minutes off, either way", async () => {
    const s = await createSession();
    expect((await deliverHook("demo", { session: s.id, data: "behind" }, { skewS: -4 * 60 })).status).toBe(202);
    expect((await deliverHook("demo", { session: s.id, data: "ahead" }, { skewS: 4 * 60 })).status).toBe(202);
    const events = await untilReceived(s, 2);
    // The event's data is the whole body the sender signed.
    expect(events.map((e) => (e.payload as { data: { data: string } }).data.data)).toEqual(["behind", "ahead"]);
  });

  it("an accepted event the queue lost is queued again by the tenant gate, and journaled once however often it arrives", async () => {
    const s = await createSession();
    const key = `hook:demo:lost-${crypto.randomUUID()}`;
    const event = { v: 1 as const, source: "webhook" as const, name: "demo", session: s.id, tenant: "default", key, labels: [] };
    // Admitted (and 202'd) but never sent: what a queue that dropped the message leaves behind.
    const admitted = await gate("default").admit(key, s.id, LIMITS, Date.now(), {
      ...event,
      text: "lost?",
      data: {},
      acceptedAt: Date.now(),
    });
    expect(admitted).toMatchObject({ ok: true });
    await queueSettles();
    expect(received(await s.journal())).toHaveLength(0);
    // The gate's alarm, once the event is overdue (twice: a copy that arrives anyway changes nothing).
    for (let i = 0; i < 2; i++) {
      await runInDurableObject(gate("default"), (_instance, state) => {
        state.storage.sql.exec("UPDATE outbox SET resend_at = 0 WHERE key = ?", key);
      });
      expect(await runDurableObjectAlarm(gate("default"))).toBe(true);
    }
    const [journaled] = await untilReceived(s, 1);
    expect(journaled!.payload).toMatchObject({ key, source: "webhook" });
    await queueSettles();
    expect(received(await s.journal())).toHaveLength(1);
    // Delivered: the slot is free and nothing waits to be sent again.
    const left = await runInDurableObject(gate("default"), (_instance, state) =>
      state.storage.sql.exec("SELECT key FROM outbox").toArray(),
    );
    expect(left).toEqual([]);
  }, 20_000);
});
