import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentSession } from "../../src/session/agent-session.ts";
import { createSession, ScriptedClient, waitFor } from "./helpers.ts";

/** What the session holds for a step, read from storage (what a leak of the lease id would reveal). */
async function leaseOf(stub: DurableObjectStub<AgentSession>, opKey: string): Promise<{ leaseId: string; holder: string }> {
  return runInDurableObject(stub, (_instance, state) => {
    const row = state.storage.sql
      .exec<{ lease_id: string; lease_holder: string }>("SELECT lease_id, lease_holder FROM operations WHERE op_key = ?", opKey)
      .one();
    return { leaseId: row.lease_id, holder: row.lease_holder };
  });
}

describe("a lease is bound to the connection it was offered to", () => {
  it("an observer, a second device and a viewer replaying the real lease id cannot complete, fail or stream into it", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s, "device", 0, "phone");
    await s.post("/events", { type: "user.message", text: "hi" });
    const offer = await device.nextOffer();
    // The journal names the holder but never the lease id.
    const leased = (await s.journal()).find((e) => e.type === "step.leased")!;
    expect(JSON.stringify(leased.payload)).not.toContain(offer.leaseId);

    const observer = await ScriptedClient.connect(s, "observer");
    const second = await ScriptedClient.connect(s, "device", 0, "laptop");
    const viewer = await ScriptedClient.connect(s, "observer", 0, undefined, (await s.as("viewer")).token);
    const before = await s.journal();
    const lease = { opKey: offer.opKey, leaseId: offer.leaseId };
    for (const [name, client] of [
      ["observer", observer],
      ["second device", second],
      ["viewer", viewer],
    ] as const) {
      client.send({ type: "step.delta", ...lease, text: "forged ", ref: "d" });
      client.send({ type: "step.complete", ...lease, output: "forged answer", model: "x@sha256:00", ref: "c" });
      client.send({ type: "step.fail", ...lease, code: "nope", message: "forged", retryable: false, ref: "f" });
      client.send({
        type: "step.fail",
        ...lease,
        code: "device_unavailable",
        message: "forged",
        retryable: true,
        reason: "device_lost",
        ref: "u",
      });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await client.next("error")).code);
      expect(codes, name).toEqual(
        name === "viewer"
          ? ["forbidden", "forbidden", "forbidden", "forbidden"]
          : ["lease_mismatch", "lease_mismatch", "lease_mismatch", "lease_mismatch"],
      );
    }
    expect(await s.journal()).toEqual(before);
    // No forged delta reached anyone.
    expect([device, observer, second, viewer].flatMap((c) => c.frames).filter((f) => f.type === "step.delta")).toEqual([]);
    expect(await leaseOf(s.stub, offer.opKey)).toMatchObject({ leaseId: offer.leaseId });

    // The holder itself streams and completes; its delta reaches the others.
    device.send({ type: "step.delta", ...lease, text: "hel" });
    expect(await observer.next("step.delta")).toEqual({ type: "step.delta", opKey: offer.opKey, text: "hel" });
    device.complete(offer, "hello");
    const answer = await waitFor(async () => (await s.journal()).find((e) => e.type === "assistant.message"), "answer");
    expect(answer.payload).toMatchObject({ text: "hello", receipt: { ranOn: "device", consentId: null } });
  });

  it("a step leased to a hosted provider cannot be completed or failed by any client", async () => {
    const s = await createSession({ policy: { hosted: "allow", providers: ["local"] } });
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "hi" });
    const offer = await device.nextOffer();
    // Put the step where a hosted call holds it, with a lease id the client somehow learned.
    await runInDurableObject(s.stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE operations SET lease_holder = 'hosted:local' WHERE op_key = ?", offer.opKey);
    });
    const before = await s.journal();
    device.send({
      type: "step.complete",
      opKey: offer.opKey,
      leaseId: offer.leaseId,
      output: "I am the provider",
      model: "hosted:local/fake",
      ref: "c",
    });
    expect(await device.next("error")).toMatchObject({ ref: "c", code: "lease_mismatch" });
    device.send({ type: "step.fail", opKey: offer.opKey, leaseId: offer.leaseId, code: "x", message: "x", retryable: false, ref: "f" });
    expect(await device.next("error")).toMatchObject({ ref: "f", code: "lease_mismatch" });
    expect(await s.journal()).toEqual(before);
  });
});
