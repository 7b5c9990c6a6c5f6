import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parkOnEmailApproval } from "./flows.ts";
import { createSession, errorOf, evict, mailbox, untilJournal, waitFor } from "./helpers.ts";

describe("approvals", () => {
  it("park with no compute: only rows and an alarm at the expiry", async () => {
    const s = await createSession({ approvalTimeoutSeconds: 3600 });
    const { opKey, expiresAt } = await parkOnEmailApproval(s);
    const parked = await runInDurableObject(s.stub, async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      inFlight: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM operations WHERE status = 'in_flight'").one().n,
      op: state.storage.sql
        .exec<{ status: string; approval: string }>("SELECT status, approval FROM operations WHERE op_key = ?", opKey)
        .one(),
    }));
    expect(parked).toEqual({ alarm: expiresAt, inFlight: 0, op: { status: "not_started", approval: "pending" } });
    // Nothing is running, so the object can be evicted while it waits.
    await evict(s);
  });

  it("an alarm expires a parked approval after eviction, and the model is told", async () => {
    const s = await createSession({ approvalTimeoutSeconds: 1 });
    const { device, opKey, expiresAt } = await parkOnEmailApproval(s);
    await evict(s);
    await waitFor(async () => Date.now() > expiresAt, "the approval deadline", 3000);
    await runDurableObjectAlarm(s.stub); // false if workerd already fired it on its own
    const journal = await untilJournal(s, (entries) => entries.some((e) => e.type === "approval.expired"), "approval.expired");
    expect(journal.filter((e) => e.opKey === opKey).map((e) => e.type)).toEqual([
      "step.scheduled",
      "approval.requested",
      "approval.expired",
      "step.failed",
    ]);
    const offer = await device.nextOffer();
    expect(offer.messages.at(-1)).toMatchObject({ role: "tool", name: "send_email", content: { error: { code: "approval_expired" } } });
    expect(await mailbox().list()).toHaveLength(0);
    // Too late to approve now.
    expect(await errorOf(await (await s.as("approver")).post(`/operations/${opKey}/approve`))).toEqual({
      status: 409,
      code: "approval_already_decided",
    });
  });

  it("approve after eviction runs the tool once; repeats are no-ops; a contrary decision is refused", async () => {
    const s = await createSession({ tenant: "approve-late" });
    const { opKey } = await parkOnEmailApproval(s);
    const approver = await s.as("approver");
    await evict(s);
    expect((await approver.post(`/operations/${opKey}/approve`)).status).toBe(200);
    expect((await approver.post(`/operations/${opKey}/approve`)).status).toBe(200);
    expect(await errorOf(await approver.post(`/operations/${opKey}/reject`))).toEqual({ status: 409, code: "approval_already_decided" });
    const mails = await mailbox("approve-late").list();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.attempts).toBe(1);
    expect((await s.journal()).filter((e) => e.type === "approval.granted")).toHaveLength(1);
  });

  it("reject over the WebSocket (a session whose devices may decide): nothing is sent and the model hears why", async () => {
    const s = await createSession({ tenant: "reject", selfApproval: true });
    const { device, opKey } = await parkOnEmailApproval(s);
    device.send({ type: "approval.decide", opKey, decision: "reject", ref: "r1" });
    await waitFor(async () => device.frames.some((f) => f.type === "ack" && f.ref === "r1"), "ack r1");
    const offer = await device.nextOffer();
    expect(offer.messages.at(-1)).toMatchObject({ role: "tool", content: { error: { code: "rejected_by_user" } } });
    expect(await mailbox("reject").list()).toHaveLength(0);
    // The approval's timer is gone: the alarm now points at the new step's lease deadline.
    expect(await runInDurableObject(s.stub, (_instance, state) => state.storage.getAlarm())).toBe(offer.deadline);
  });
});
