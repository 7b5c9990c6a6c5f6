import { describe, expect, it } from "vitest";
import type { ConsentGrant } from "../../src/protocol/index.ts";
import { untilLogged, useDevServer } from "./dev-server.ts";
import { DeviceSession } from "./device-session.ts";

// The consent gate against npm start's real stack: wrangler dev (workerd, SQLite Durable Object)
// and the local hosted server (our model on onnxruntime-node), whose request log proves what
// reached it. The device here is a plain WebSocket client speaking the protocol.

const stack = useDevServer();

const until = <T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000) =>
  untilLogged(probe, what, () => stack().output(), timeoutMs);

const setFaults = (faults: { failNext?: number; delayMs?: number }) =>
  fetch(`${stack().hostedUrl}/faults`, { method: "POST", body: JSON.stringify(faults) });
const hostedRequests = async () =>
  ((await (await fetch(`${stack().hostedUrl}/requests`)).json()) as { requests: unknown[] }).requests.length;

describe("hosted inference needs the policy and a recorded consent", () => {
  it("asks with the reason; refuses a hosted run without a grant; Allow once answers hosted for this turn only", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "ask", providers: ["local"] });
    const logBefore = await hostedRequests();
    const opKey = await session.turnOnUnavailableDevice("what is 12 * 7?");
    const requested = await session.entry("consent.requested");
    expect(requested.opKey).toBe(opKey);
    expect(requested.payload).toMatchObject({
      reason: "cache_cleared",
      reasonText: "the browser removed the model files from this device",
      provider: "local",
      dataClasses: ["messages"],
      policyVersion: 1,
    });
    expect(await hostedRequests()).toBe(logBefore);

    // Over the API, without a grant (or with a made-up one): refused, nothing sent.
    for (const body of [{}, { consentId: "made-up" }]) {
      const refused = await session.api(`/operations/${opKey}/hosted`, { method: "POST", body: JSON.stringify(body) });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: "consent_required" } });
    }
    // A device cannot pass its answer off as hosted either.
    expect(await hostedRequests()).toBe(logBefore);

    const granted = await session.api(`/operations/${opKey}/consent`, { method: "POST", body: JSON.stringify({ decision: "once" }) });
    expect(granted.status).toBe(201);
    const { consent } = (await granted.json()) as { consent: ConsentGrant };
    expect(consent).toMatchObject({ scope: "turn", provider: "local", reason: "cache_cleared", by: "user" });
    const answer = await session.entry("assistant.message");
    expect(answer.payload).toMatchObject({ receipt: { ranOn: "hosted", consentId: consent.id, policyVersion: 1 } });
    expect(String((answer.payload as { model: string }).model)).toMatch(/^hosted:local\/dormant-agent-tiny@sha256:[0-9a-f]{64}$/);
    expect(answer.payload).toMatchObject({ text: expect.stringContaining("84") });
    // Both steps of the tool turn (call, then answer) ran on the one Allow-once grant.
    expect(await hostedRequests()).toBe(logBefore + 2);
    expect(session.frames.some((f) => f.type === "step.delta")).toBe(true);

    // The next turn asks again: the device is still unavailable (so offered nothing) and the grant
    // ended with its turn.
    const offers = session.offers().length;
    session.send({ type: "user.message", text: "hi" });
    const again = await until(
      async () => (await session.journal()).filter((e) => e.type === "consent.requested")[1],
      "a second consent request",
    );
    expect(again.payload).toMatchObject({ reason: "cache_cleared" });
    expect(session.offers()).toHaveLength(offers);
    expect(await hostedRequests()).toBe(logBefore + 2);
    session.close();
  }, 120_000);

  it("Not now sends nothing and the step completes on the device once it recovers", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "ask" });
    const logBefore = await hostedRequests();
    const opKey = await session.turnOnUnavailableDevice("hello");
    await session.entry("consent.requested");
    const declined = await session.api(`/operations/${opKey}/consent`, { method: "POST", body: JSON.stringify({ decision: "decline" }) });
    expect(declined.status).toBe(200);
    await session.entry("consent.declined");
    const view = (await (await session.api("")).json()) as { operations: { opKey: string; waitingFor: string }[] };
    expect(view.operations).toEqual([expect.objectContaining({ opKey, waitingFor: "device" })]);

    const offers = session.offers().length;
    session.send({ type: "device.status", available: true });
    const offer = await until(() => session.offers()[offers], "the step offered to the recovered device");
    expect(offer.opKey).toBe(opKey);
    session.send({ type: "step.complete", opKey, leaseId: offer.leaseId, output: "Hello!<|end|>", model: offer.model!.pins[0] });
    const answer = await session.entry("assistant.message");
    expect(answer.payload).toMatchObject({ text: "Hello!", receipt: { ranOn: "device", consentId: null } });
    expect(await hostedRequests()).toBe(logBefore);
    session.close();
  }, 60_000);

  it("revoking the session grant stops hosted use at once; the next turn asks again", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "ask" });
    const opKey = await session.turnOnUnavailableDevice("hi there");
    await session.entry("consent.requested");
    const granted = await session.api(`/operations/${opKey}/consent`, { method: "POST", body: JSON.stringify({ decision: "session" }) });
    const { consent } = (await granted.json()) as { consent: ConsentGrant };
    expect(consent.scope).toBe("session");
    const first = await session.entry("assistant.message");
    // With the session grant, the next turn goes hosted without asking.
    session.send({ type: "user.message", text: "thanks" });
    const second = await session.entry("assistant.message", first.seq);
    expect(second.payload).toMatchObject({ receipt: { ranOn: "hosted", consentId: consent.id } });
    expect((await session.journal()).filter((e) => e.type === "consent.requested")).toHaveLength(1);

    const revoked = await session.api(`/consents/${consent.id}`, { method: "DELETE" });
    expect(await revoked.json()).toEqual({ consentId: consent.id, revoked: true });
    const logBefore = await hostedRequests();
    session.send({ type: "user.message", text: "what time is it in UTC?" });
    await until(async () => (await session.journal()).filter((e) => e.type === "consent.requested")[1], "a new consent request");
    expect(await hostedRequests()).toBe(logBefore);
    const view = (await (await session.api("")).json()) as { consents: ConsentGrant[] };
    expect(view.consents).toEqual([]);
    session.close();
  }, 60_000);

  it("revoking aborts a hosted step in flight: no answer lands, the step waits for a device", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "ask" });
    const opKey = await session.turnOnUnavailableDevice("hello");
    await session.entry("consent.requested");
    await setFaults({ delayMs: 2000 });
    try {
      const { consent } = (await (
        await session.api(`/operations/${opKey}/consent`, { method: "POST", body: JSON.stringify({ decision: "session" }) })
      ).json()) as { consent: ConsentGrant };
      await until(
        async () =>
          (await session.journal()).find((e) => e.type === "step.leased" && (e.payload as { holder: string }).holder === "hosted:local"),
        "the hosted lease",
      );
      await session.api(`/consents/${consent.id}`, { method: "DELETE" });
      await until(
        async () =>
          (await session.journal()).find((e) => e.type === "step.retry" && (e.payload as { reason: string }).reason === "consent_revoked"),
        "the revoked step back in the queue",
      );
      await new Promise((resolve) => setTimeout(resolve, 2500)); // past the provider's delayed answer
      const journal = await session.journal();
      expect(journal.some((e) => e.type === "assistant.message" || e.type === "step.completed")).toBe(false);
      const view = (await (await session.api("")).json()) as { operations: { opKey: string; status: string; waitingFor: string }[] };
      expect(view.operations).toEqual([expect.objectContaining({ opKey, status: "not_started", waitingFor: "device" })]);
    } finally {
      await setFaults({});
    }
    session.close();
  }, 60_000);

  it("a failing provider is retried (before its first byte, then as a new attempt) and the turn completes", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "allow" });
    const logBefore = await hostedRequests();
    await setFaults({ failNext: 2 });
    // A one-step turn, so the request count below is the retries' alone: the model answers a greeting in words.
    await session.turnOnUnavailableDevice("hey");
    const answer = await session.entry("assistant.message");
    expect(answer.payload).toMatchObject({ receipt: { ranOn: "hosted" } });
    const retries = (await session.journal()).filter((e) => e.type === "step.retry").map((e) => e.payload);
    expect(retries).toEqual([
      expect.objectContaining({ reason: "device_unavailable" }),
      expect.objectContaining({ reason: "provider_unavailable", attempt: 2 }),
    ]);
    expect(await hostedRequests()).toBe(logBefore + 3); // 503, 503 (in-provider retry), then the answer

    // The app's `allow` granted on the person's behalf (journaled, by "policy"); revoking it means
    // the person is asked from then on.
    const grant = (await session.journal()).find((e) => e.type === "consent.granted")!.payload as unknown as ConsentGrant;
    expect(grant).toMatchObject({ by: "policy", scope: "session" });
    await session.api(`/consents/${grant.id}`, { method: "DELETE" });
    session.send({ type: "user.message", text: "thanks" });
    const asked = await session.entry("consent.requested");
    expect(asked.payload).toMatchObject({ reason: "cache_cleared" });
    expect(await hostedRequests()).toBe(logBefore + 3);
    session.close();
  }, 60_000);

  it("a step whose context holds tool results never goes hosted when the policy allows only messages", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "allow", dataClasses: ["messages"] });
    const logBefore = await hostedRequests();
    session.send({ type: "user.message", text: "what is 6 * 7?" });
    const offer = await until(() => session.offers()[0], "a lease offer");
    session.send({
      type: "step.complete",
      opKey: offer.opKey,
      leaseId: offer.leaseId,
      output: '<|call|>{"name":"calculator","args":{"expression":"6 * 7"}}<|end|>',
      model: offer.model!.pins[0],
    });
    const second = await until(() => session.offers()[1], "the answer step, with the tool result");
    session.send({
      type: "step.fail",
      opKey: second.opKey,
      leaseId: second.leaseId,
      code: "device_unavailable",
      message: "gpu gone",
      retryable: false,
      reason: "device_lost",
    });
    await session.entry("device.unavailable");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const view = (await (await session.api("")).json()) as { operations: { opKey: string; waitingFor: string }[] };
    expect(view.operations).toEqual([expect.objectContaining({ opKey: second.opKey, waitingFor: "device" })]);
    expect((await session.journal()).some((e) => e.type.startsWith("consent."))).toBe(false);
    expect(await hostedRequests()).toBe(logBefore);
    session.close();
  }, 60_000);

  it("policy never: no consent is offered and none can be given", async () => {
    const session = await DeviceSession.create(stack(), { hosted: "never" });
    const logBefore = await hostedRequests();
    const opKey = await session.turnOnUnavailableDevice("hi");
    await session.entry("device.unavailable");
    for (const [path, body] of [
      [`/operations/${opKey}/consent`, { decision: "once" }],
      [`/operations/${opKey}/hosted`, {}],
    ] as const) {
      const refused = await session.api(path, { method: "POST", body: JSON.stringify(body) });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: "hosted_not_allowed" } });
    }
    expect((await session.journal()).some((e) => e.type.startsWith("consent."))).toBe(false);
    expect(await hostedRequests()).toBe(logBefore);
    session.close();
  }, 60_000);
});
