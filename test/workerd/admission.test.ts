import { describe, expect, it } from "vitest";
import { MAX_INBOX } from "../../src/session/limits.ts";
import { createSession, errorOf, ScriptedClient, type TestSession } from "./helpers.ts";
import { deliverHook, gate, queueSettles, received, untilReceived } from "./triggers.ts";

const message = (text: string) => ({ type: "user.message", text });

/** Answers every turn the session offers until `done` holds. */
async function answerTurns(s: TestSession, done: () => Promise<boolean>): Promise<void> {
  const device = await ScriptedClient.connect(s);
  while (!(await done())) device.complete(await device.nextOffer(), "done");
  device.close();
}

describe("admission and backpressure", () => {
  it("a tenant over its rate cap gets 429 with Retry-After while another tenant's events are journaled", async () => {
    const a = await createSession({ tenant: "capped-a" });
    const b = await createSession({ tenant: "free-b" });
    const answers = [];
    for (let i = 0; i < 8; i++) {
      answers.push(["a", i, await deliverHook("tenant-a", { session: a.id, data: i })] as const);
      answers.push(["b", i, await deliverHook("tenant-b", { session: b.id, data: i })] as const);
    }
    const refusedA = answers.filter(([t, , res]) => t === "a" && res.status === 429);
    expect(answers.filter(([t, , res]) => t === "a" && res.status === 202)).toHaveLength(5);
    expect(refusedA).toHaveLength(3);
    for (const [, , res] of refusedA) {
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await errorOf(res)).toEqual({ status: 429, code: "rate_limited" });
    }
    expect(answers.filter(([t, , res]) => t === "b" && res.status === 202)).toHaveLength(8);
    // Everything accepted is journaled, once; nothing refused is.
    expect((await untilReceived(b, 8)).map((e) => (e.payload as { data: { data: number } }).data.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await untilReceived(a, 5)).map((e) => (e.payload as { data: { data: number } }).data.data)).toEqual([0, 1, 2, 3, 4]);
    await queueSettles();
    expect(received(await a.journal())).toHaveLength(5);
  });

  it("the gate refuses past the in-flight cap until a delivery frees a slot", async () => {
    const limits = { perMinute: 1000, inFlight: 2 };
    const tenant = `inflight-${crypto.randomUUID().slice(0, 8)}`;
    expect(await gate(tenant).admit("k1", "s", limits)).toEqual({ ok: true, order: 1 });
    expect(await gate(tenant).admit("k2", "s", limits)).toEqual({ ok: true, order: 2 });
    expect(await gate(tenant).admit("k1", "s", limits)).toEqual({ ok: true, order: 1 }); // A repeat still in flight costs nothing.
    expect(await gate(tenant).admit("k3", "s", limits)).toMatchObject({ ok: false, why: "in_flight" });
    await gate(tenant).release("k1");
    expect(await gate(tenant).admit("k3", "s", limits)).toEqual({ ok: true, order: 3 });
  });

  it(`a session's inbox past ${MAX_INBOX} waiting messages answers 429; a webhook turn refused there lands once the inbox drains`, async () => {
    const s = await createSession();
    expect((await s.post("/events", message("the turn that runs"))).status).toBe(201); // Waits for a device.
    for (let i = 0; i < MAX_INBOX; i++) expect((await s.post("/events", message(`waiting ${i}`))).status).toBe(201);
    const refused = await s.post("/events", message("one too many"));
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(refused)).toEqual({ status: 429, code: "inbox_full" });

    expect((await deliverHook("demo", { session: s.id, text: "from the webhook" })).status).toBe(202);
    await queueSettles();
    expect(received(await s.journal())).toHaveLength(0); // Refused by the full inbox, held by the queue.

    const userMessages = async () => (await s.journal()).filter((e) => e.type === "user.message");
    await answerTurns(s, async () => (await s.journal()).filter((e) => e.type === "assistant.message").length >= MAX_INBOX + 2);
    const texts = (await userMessages()).map((e) => (e.payload as { text: string }).text);
    expect(texts).toHaveLength(MAX_INBOX + 2);
    expect(texts).not.toContain("one too many");
    expect(texts.at(-1)).toBe("from the webhook");
    expect(received(await s.journal())).toHaveLength(1);
  }, 60_000);
});
