import { describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/protocol/index.ts";
import { createSession, evict, mailbox, ScriptedClient, stats, type TestSession, toolCall, waitFor } from "./helpers.ts";

const REQUEST = "email bob@example.com that the build is green";
const CALL = toolCall("send_email", { to: "bob@example.com", subject: "Build", body: "The build is green." });
const ANSWER = "Done: I emailed bob@example.com.";

/**
 * Runs one conversation (user message → tool call → approval → tool → final answer) and calls
 * `boundary()` between every pair of steps.
 */
async function converse(session: TestSession, boundary: () => Promise<void>): Promise<JournalEntry[]> {
  const device = await ScriptedClient.connect(session);
  await boundary();
  expect((await session.post("/events", { type: "user.message", text: REQUEST })).status).toBe(201);
  await boundary();
  const first = await device.nextOffer();
  expect(first.messages).toEqual([{ role: "user", content: REQUEST }]);
  await boundary();
  device.complete(first, CALL);
  await waitFor(async () => (await session.types()).includes("approval.requested"), "approval.requested");
  await boundary();
  const parked = (await (await session.get("")).json()) as { status: string; operations: { opKey: string; waitingFor: string }[] };
  expect(parked.status).toBe("waiting");
  const approval = parked.operations.find((op) => op.waitingFor === "approval")!;
  await boundary();
  expect((await (await session.as("approver")).post(`/operations/${approval.opKey}/approve`)).status).toBe(200);
  await boundary();
  const second = await device.nextOffer();
  expect(second.messages.at(-1)).toMatchObject({ role: "tool", name: "send_email", content: { sent: true } });
  await boundary();
  device.complete(second, `${ANSWER}<|end|>`);
  await waitFor(async () => (await session.types()).includes("assistant.message"), "assistant.message");
  await boundary();
  device.close();
  return session.journal();
}

describe("a conversation survives eviction at every step boundary", () => {
  it("gives the same journal, answer and single effect as an uninterrupted run", async () => {
    const calm = await createSession({ tenant: "calm" });
    const calmJournal = await converse(calm, async () => {});

    const stormy = await createSession({ tenant: "stormy" });
    let evictions = 0;
    let evictedAwake = 0;
    const stormyJournal = await converse(stormy, async () => {
      if ((await evict(stormy)).hadWoken) evictedAwake++;
      evictions++;
    });
    expect(evictions).toBe(8);

    // Journal intact: contiguous sequence numbers, same transitions as the calm run.
    expect(stormyJournal.map((e) => e.seq)).toEqual(stormyJournal.map((_, i) => i + 1));
    expect(stormyJournal.map((e) => e.type)).toEqual(calmJournal.map((e) => e.type));
    expect(stormyJournal.at(-1)).toMatchObject({ type: "assistant.message", payload: { text: ANSWER } });
    // Every row carries its version stamp.
    for (const entry of stormyJournal) expect(entry.stamp).toMatchObject({ runtime: expect.any(String), protocol: 1, policy: "policy@1" });

    // Each evicted instance that had woken recorded its wake; the stats call is served by one more.
    expect(evictedAwake).toBeGreaterThanOrEqual(6);
    expect((await stats(stormy)).wakes).toBeGreaterThanOrEqual(evictedAwake + 1);
    const mails = await mailbox("stormy").list();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: "bob@example.com", attempts: 1 });
    expect(stormyJournal.filter((e) => e.type === "step.started")).toHaveLength(1);
  });
});
