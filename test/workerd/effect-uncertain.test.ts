import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentSession } from "../../src/session/agent-session.ts";
import type { FailpointName } from "../../src/session/failpoints.ts";
import { EMAIL_ARGS, parkOnEmailApproval } from "./flows.ts";
import { createSession, errorOf, evict, mailbox, type TestSession, untilJournal } from "./helpers.ts";

/** Approves a send_email and crashes the session at `failpoint`; returns the op key. */
async function crashDuringSend(session: TestSession, failpoint: FailpointName): Promise<string> {
  const { opKey } = await parkOnEmailApproval(session);
  const approver = await session.as("approver");
  await runInDurableObject(session.stub, (instance: AgentSession) => instance.failpoints.arm(failpoint));
  const approve = await approver.post(`/operations/${opKey}/approve`);
  // The object died mid-request: the caller sees a failure, not a success.
  expect(approve.status).toBe(500);
  await evict(session);
  // What the crash left behind, read without waking the session's logic: an in-flight operation
  // and the watchdog alarm that will wake the object even if no client ever comes back.
  const left = await runInDurableObject(session.stub, async (_instance, state) => ({
    status: state.storage.sql.exec<{ status: string }>("SELECT status FROM operations WHERE op_key = ?", opKey).one().status,
    alarm: await state.storage.getAlarm(),
  }));
  expect(left.status).toBe("in_flight");
  expect(left.alarm).toBeGreaterThan(Date.now());
  return opKey;
}

describe("an external tool interrupted while in flight", () => {
  it("after the effect: becomes effect_uncertain, is not re-sent, and the status query commits it", async () => {
    const s = await createSession({ tenant: "crash-after" });
    const opKey = await crashDuringSend(s, "tool.after_effect");
    // The watchdog alarm (set before the effect started) wakes the fresh instance.
    expect(await runDurableObjectAlarm(s.stub)).toBe(true);
    const journal = await untilJournal(
      s,
      (entries) => entries.some((e) => e.type === "step.completed" && e.opKey === opKey),
      "commit via status query",
    );

    const forOp = journal.filter((e) => e.opKey === opKey).map((e) => e.type);
    expect(forOp).toEqual([
      "step.scheduled",
      "approval.requested",
      "approval.granted",
      "step.started",
      "step.effect_uncertain",
      "step.completed",
    ]);
    expect(journal.find((e) => e.type === "step.effect_uncertain")!.payload).toMatchObject({ resolvable: true });
    expect(journal.find((e) => e.type === "step.completed" && e.opKey === opKey)!.payload).toMatchObject({ via: "status_query" });
    const mails = await mailbox("crash-after").list();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ ...EMAIL_ARGS, attempts: 1 });
    // The loop went on: a new inference step, leased to the still-connected device.
    const committedAt = journal.findIndex((e) => e.type === "step.completed" && e.opKey === opKey);
    expect(journal.slice(committedAt + 1).map((e) => e.type)).toEqual(["step.scheduled", "step.leased"]);
  });

  it("before the effect: the status query finds nothing, so it runs exactly once more", async () => {
    const s = await createSession({ tenant: "crash-before" });
    const opKey = await crashDuringSend(s, "tool.before_effect");
    expect(await mailbox("crash-before").list()).toHaveLength(0);

    expect(await runDurableObjectAlarm(s.stub)).toBe(true);
    const journal = await untilJournal(
      s,
      (entries) => entries.some((e) => e.type === "step.completed" && e.opKey === opKey),
      "retry after not_found",
    );
    const forOp = journal.filter((e) => e.opKey === opKey).map((e) => e.type);
    expect(forOp).toEqual([
      "step.scheduled",
      "approval.requested",
      "approval.granted",
      "step.started",
      "step.effect_uncertain",
      "step.retry",
      "step.started",
      "step.completed",
    ]);
    const mails = await mailbox("crash-before").list();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.attempts).toBe(1);
  });

  it("any first event after the crash recovers first; a person cannot override a confirmed effect", async () => {
    const s = await createSession({ tenant: "resolve" });
    const opKey = await crashDuringSend(s, "tool.after_effect");
    // Waking for this request recovers the orphan and the status query commits it before the
    // request is handled, so the manual resolution is refused.
    const approver = await s.as("approver");
    expect(await errorOf(await approver.post(`/operations/${opKey}/resolve`, { outcome: "retry" }))).toEqual({
      status: 409,
      code: "operation_not_pending",
    });
    const bad = await approver.post(`/operations/${opKey}/resolve`, { outcome: "maybe" });
    expect(bad.status).toBe(400);
    const journal = await s.journal();
    expect(journal.filter((e) => e.type === "step.completed" && e.opKey === opKey)).toHaveLength(1);
    expect((await mailbox("resolve").list())[0]!.attempts).toBe(1);
  });
});
