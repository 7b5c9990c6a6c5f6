import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TriggerEvent } from "../../src/protocol/index.ts";
import type { AgentSession } from "../../src/session/agent-session.ts";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/triggers/consumer.ts";
import { api, createSession, errorOf, type TestSession, waitFor } from "./helpers.ts";
import { deliverHook, listDeadLetters, received, untilReceived } from "./triggers.ts";

/** The session's next `times` deliveries fail as if the object crashed mid-call. */
const failDeliveries = (s: TestSession, times: number) =>
  runInDurableObject(s.stub, (instance: AgentSession) => instance.failpoints.arm("trigger.deliver", "throw", times));

const deliveryOf = (s: TestSession, data: string) => deliverHook("demo", { session: s.id, data });
const dataOf = (entries: { payload: unknown }[]) => entries.map((e) => (e.payload as { data: { data: string } }).data.data);

describe("queue retries and the dead-letter queue", () => {
  it(`an event that fails ${MAX_DELIVERY_ATTEMPTS} times is dead-lettered with its error; a replay lands once`, async () => {
    const s = await createSession();
    await s.journal(); // Wakes the object that the failpoint is armed on.
    await failDeliveries(s, MAX_DELIVERY_ATTEMPTS);
    expect((await deliveryOf(s, "doomed")).status).toBe(202);
    const letter = await waitFor(async () => (await listDeadLetters()).find((l) => l.event?.session === s.id), "the dead letter", 40_000);
    expect(letter.attempts).toBe(MAX_DELIVERY_ATTEMPTS);
    expect(letter.error.code).toBe("internal");
    expect(letter.error.message).toContain("failpoint trigger.deliver");
    expect(received(await s.journal())).toHaveLength(0);

    const inspected = await api(`/v1/dead-letters/${letter.id}`);
    expect(((await inspected.json()) as { event: TriggerEvent }).event.key).toBe(letter.event!.key);

    const replay = await api(`/v1/dead-letters/${letter.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ id: letter.id, duplicate: false });
    expect(await errorOf(await api(`/v1/dead-letters/${letter.id}/replay`, { method: "POST" }))).toEqual({ status: 409, code: "conflict" });
    const events = received(await s.journal());
    expect(dataOf(events)).toEqual(["doomed"]);
    expect(events[0]!.payload).toMatchObject({ order: null, inOrder: true });
    expect((await listDeadLetters()).find((l) => l.id === letter.id)?.replayedAt).toBeGreaterThan(0);
  }, 60_000);

  it("a session's events keep their order when the first one has to be retried", async () => {
    const s = await createSession();
    await s.journal();
    await failDeliveries(s, 2);
    for (const data of ["first", "second", "third"]) expect((await deliveryOf(s, data)).status).toBe(202);
    const events = await untilReceived(s, 3, 30_000);
    expect(dataOf(events)).toEqual(["first", "second", "third"]);
    expect(events.map((e) => (e.payload as { order: number }).order)).toEqual([1, 2, 3]);
  }, 40_000);

  it("a later event waits for an earlier one still on its way, then is taken anyway once the wait runs out", async () => {
    const s = await createSession();
    const event = (order: number, acceptedAt = Date.now()): TriggerEvent => ({
      v: 1,
      source: "webhook",
      name: "demo",
      session: s.id,
      tenant: "default",
      key: `direct-${s.id}-${order}`,
      labels: [],
      text: null,
      data: order,
      acceptedAt,
      order,
    });
    const early = await s.stub.deliverTrigger(event(2));
    expect(early).toMatchObject({ ok: false, error: { code: "out_of_order", retryAfter: 1 } });
    expect((await s.stub.deliverTrigger(event(1))).ok).toBe(true);
    expect((await s.stub.deliverTrigger(event(2))).ok).toBe(true);
    // Event 3 never comes; event 4 has waited longer than the session holds out for it.
    expect((await s.stub.deliverTrigger(event(4, Date.now() - 60_000))).ok).toBe(true);
    const events = received(await s.journal());
    expect(events.map((e) => (e.payload as { data: number }).data)).toEqual([1, 2, 4]);
    expect(events.map((e) => (e.payload as { inOrder: boolean }).inOrder)).toEqual([true, true, false]);
  });
});
