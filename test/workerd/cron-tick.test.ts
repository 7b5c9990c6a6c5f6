import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { HOUSEKEEPING_CRON, TICK_CRON } from "../../src/triggers/deployment-crons.ts";
import { api, createSession, errorOf, type TestSession } from "./helpers.ts";
import { queueSettles, received, untilReceived } from "./triggers.ts";

const subscribe = (s: TestSession, body: unknown) =>
  api(`/v1/sessions/${s.id}/subscriptions`, { method: "POST", body: JSON.stringify(body) });

describe("deployment Cron Triggers", () => {
  it("a tick wakes each subscribed session once, even when the tick is delivered twice", async () => {
    const [a, b, nightly, none] = await Promise.all([createSession(), createSession(), createSession(), createSession()]);
    expect((await subscribe(a, { cron: TICK_CRON, text: "Anything new since the last tick?" })).status).toBe(201);
    expect((await subscribe(b, { cron: TICK_CRON })).status).toBe(201);
    expect((await subscribe(nightly, { cron: HOUSEKEEPING_CRON })).status).toBe(201);
    expect(await errorOf(await subscribe(none, { cron: "* * * * *" }))).toEqual({ status: 400, code: "invalid_request" });

    const scheduledTime = Date.now();
    // The same tick twice (a platform retry), then the next one.
    for (const time of [scheduledTime, scheduledTime, scheduledTime + 5 * 60_000]) {
      await worker.scheduled(createScheduledController({ cron: TICK_CRON, scheduledTime: time }), env);
    }
    const [first, second] = await untilReceived(a, 2);
    await untilReceived(b, 2);
    await queueSettles();
    for (const s of [a, b]) expect(received(await s.journal())).toHaveLength(2);
    expect(first!.payload).toMatchObject({
      source: "cron",
      name: TICK_CRON,
      key: `cron:${TICK_CRON}:${scheduledTime}`,
      data: { scheduledTime },
    });
    expect(second!.payload).toMatchObject({ key: `cron:${TICK_CRON}:${scheduledTime + 5 * 60_000}` });
    // The subscription's text became a turn on each tick.
    expect((await a.journal()).filter((e) => e.type === "user.message")).toHaveLength(2);
    for (const s of [nightly, none]) expect(received(await s.journal())).toHaveLength(0);

    const removed = await api(`/v1/sessions/${a.id}/subscriptions?cron=${encodeURIComponent(TICK_CRON)}`, { method: "DELETE" });
    expect(await removed.json()).toEqual({ removed: true });
    const listed = await api(`/v1/sessions/${a.id}/subscriptions`);
    expect(await listed.json()).toEqual({ subscriptions: [] });
  });
});
