import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { currentRelease, DEVICE_MODEL_ID, type ModelManifest, modelPin, type SessionView } from "../../src/protocol/index.ts";
import { FAILED_TURN_REPLY, MAX_TURN_STEPS } from "../../src/session/limits.ts";
import { createSession, ScriptedClient, toolCall, untilJournal, waitFor } from "./helpers.ts";

describe("the agent loop's defined failure behaviour", () => {
  it("an unavailable tool or bad arguments become a tool error the model sees, not a crash", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "book a flight" });
    device.complete(await device.nextOffer(), toolCall("book_flight", { to: "LIS" }));
    const second = await device.nextOffer();
    expect(second.messages.at(-1)).toEqual({
      role: "tool",
      name: "book_flight",
      content: { error: { code: "tool_unavailable", message: 'no tool named "book_flight"' } },
    });
    device.complete(second, toolCall("calculator", { expression: "2 +* 3" }));
    const third = await device.nextOffer();
    expect(third.messages.at(-1)).toMatchObject({ role: "tool", name: "calculator", content: { error: { code: "invalid_tool_args" } } });
    device.complete(third, toolCall("calculator", { expression: "(2 + 3) * 4 ^ 2 - 0.5" }));
    const fourth = await device.nextOffer();
    expect(fourth.messages.at(-1)).toEqual({ role: "tool", name: "calculator", content: { value: 79.5 } });
    device.complete(fourth, "It is 79.5.");
    await waitFor(async () => (await s.types()).includes("assistant.message"), "answer");
  });

  it("tools read what people write, in workerd's own runtime: spoken math, city and country names", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "what's 17 times 23, and the time in portugal?" });
    device.complete(await device.nextOffer(), toolCall("calculator", { expression: "17 times 23" }));
    const second = await device.nextOffer();
    expect(second.messages.at(-1)).toEqual({ role: "tool", name: "calculator", content: { value: 391 } });
    device.complete(second, toolCall("clock", { timezone: "portugal" }));
    const third = await device.nextOffer();
    expect(third.messages.at(-1)).toMatchObject({ role: "tool", name: "clock", content: { timezone: "Europe/Lisbon" } });
    // The journal keeps what was written beside what ran.
    const scheduled = (await s.journal())
      .filter((e) => e.type === "step.scheduled" && (e.payload as { kind: string }).kind === "tool")
      .map((e) => e.payload);
    expect(scheduled).toEqual([
      { kind: "tool", tool: "calculator", args: { expression: "17 * 23", written: "17 times 23" } },
      { kind: "tool", tool: "clock", args: { timezone: "Europe/Lisbon" } },
    ]);
    expect(second.tools.find((t) => t.name === "send_email")?.fromRequest).toEqual(["to", "subject", "body"]);
  });

  it("malformed output: a first turn fails at once (a retry would repeat the prompt); the conversation gets an answer", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "hi" });
    device.complete(await device.nextOffer(), "<|call|>{not json");
    const journal = await untilJournal(s, (entries) => entries.some((e) => e.type === "turn.failed"), "turn.failed");
    expect(journal.filter((e) => e.type === "step.retry")).toEqual([]);
    expect(journal.find((e) => e.type === "turn.failed")!.payload).toMatchObject({
      code: "malformed_model_output",
      reply: FAILED_TURN_REPLY,
    });
    // The session is usable again, and the failed turn reads as a turn the model was trained on.
    await s.post("/events", { type: "user.message", text: "again" });
    expect((await device.nextOffer()).messages).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: FAILED_TURN_REPLY },
      { role: "user", content: "again" },
    ]);
  });

  it("malformed output in a later turn is retried once with only the current turn, then fails", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "first" });
    device.complete(await device.nextOffer(), "answer one");
    await s.post("/events", { type: "user.message", text: "second" });
    const full = await device.nextOffer();
    expect(full.messages).toHaveLength(3);
    device.complete(full, "<|call|>{not json");
    const retry = await device.nextOffer();
    expect(retry.messages).toEqual([{ role: "user", content: "second" }]);
    device.complete(retry, "<|call|>{still not json");
    const journal = await untilJournal(s, (entries) => entries.some((e) => e.type === "turn.failed"), "turn.failed");
    expect(journal.filter((e) => e.type === "step.retry").map((e) => (e.payload as { reason: string }).reason)).toEqual([
      "malformed_model_output",
    ]);
    expect(journal.filter((e) => e.type === "step.leased")).toHaveLength(3);
  });

  it(`a model that never stops calling tools is cut off after ${MAX_TURN_STEPS} steps`, async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "loop forever" });
    for (let step = 0; step < MAX_TURN_STEPS; step++)
      device.complete(await device.nextOffer(), toolCall("calculator", { expression: `${step}+1` }));
    const journal = await untilJournal(s, (entries) => entries.some((e) => e.type === "turn.failed"), "turn.failed");
    expect(journal.find((e) => e.type === "turn.failed")!.payload).toMatchObject({ code: "too_many_steps" });
    expect(journal.filter((e) => e.type === "step.leased")).toHaveLength(MAX_TURN_STEPS);
  });

  it("a message sent during a turn waits for it, then gets its own turn", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "first" });
    const first = await device.nextOffer();
    await s.post("/events", { type: "user.message", text: "second" });
    device.complete(first, "answer one");
    const second = await device.nextOffer();
    expect(second.messages).toEqual([
      { role: "user", content: "first" },
      { role: "assistant", content: "answer one" },
      { role: "user", content: "second" },
    ]);
    const queued = (await s.journal()).find((e) => e.type === "user.message" && (e.payload as { text: string }).text === "second");
    expect(queued?.payload).toMatchObject({ queued: true });
  });

  it("the device's model pin is journaled with the step and the answer", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "hi" });
    const offer = await device.nextOffer();
    const pin = offer.model!.pins[0]!;
    device.complete(offer, "hello");
    const answer = await waitFor(async () => (await s.journal()).find((e) => e.type === "assistant.message"), "answer");
    expect(answer.payload).toEqual({
      text: "hello",
      model: pin,
      receipt: { ranOn: "device", model: pin, consentId: null, policyVersion: 1 },
    });
  });

  it("a session keeps the model this deployment served when it was created, and refuses answers computed by another", async () => {
    const manifest = (await (await env.ASSETS.fetch("https://assets.local/models/manifest.json")).json()) as ModelManifest;
    const s = await createSession();
    const release = currentRelease(manifest, DEVICE_MODEL_ID);
    expect(release.pins).toEqual(manifest.models[0]!.variants.map((v) => modelPin(manifest.models[0]!, v.dtype)));
    expect(((await (await s.get("")).json()) as SessionView).release).toEqual(release);
    const device = await ScriptedClient.connect(s);
    await s.post("/events", { type: "user.message", text: "hi" });
    const offer = await device.nextOffer();
    expect(offer.model).toEqual(release);
    device.send({
      type: "step.complete",
      opKey: offer.opKey,
      leaseId: offer.leaseId,
      output: "hi",
      model: `dormant-agent-tiny@sha256:${"0".repeat(64)}`,
      ref: "m",
    });
    expect(await device.next("error")).toMatchObject({ code: "model_mismatch", ref: "m" });
    expect((await s.journal()).some((e) => e.type === "assistant.message")).toBe(false);
    device.complete(offer, "hello", release.pins[1]);
    await waitFor(
      async () => (await s.journal()).find((e) => e.type === "assistant.message"),
      "the answer under the session's other variant",
    );
  });
});
