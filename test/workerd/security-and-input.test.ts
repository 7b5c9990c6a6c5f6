import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signToken } from "../../src/api/tokens.ts";
import type { TokenRole } from "../../src/protocol/index.ts";
import { MAX_BODY_BYTES, MAX_MESSAGE_CHARS } from "../../src/protocol/index.ts";
import { api, createSession, errorOf, ScriptedClient } from "./helpers.ts";

const sign = async (sid: string, tenant: string, role: TokenRole = "device", now?: number) =>
  (await signToken(env.SESSION_TOKEN_SECRET, { sid, tenant, role }, now)).token;

describe("capability tokens", () => {
  it("a token for session A is refused on every route of session B", async () => {
    const a = await createSession();
    const b = await createSession();
    const routes: [string, string, unknown?][] = [
      ["GET", ""],
      ["POST", "/events", { type: "user.message", text: "x" }],
      ["GET", "/journal"],
      ["GET", "/stats"],
      ["POST", "/operations/1.tool/approve"],
      ["POST", "/operations/1.tool/resolve", { outcome: "retry" }],
    ];
    for (const [method, path, body] of routes) {
      const res = await api(`/v1/sessions/${b.id}${path}`, {
        method,
        token: a.token,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(await errorOf(res), `${method} ${path}`).toEqual({ status: 403, code: "forbidden" });
    }
    const ws = await api(`/v1/sessions/${b.id}/ws?token=${a.token}`, { headers: { upgrade: "websocket" } });
    expect(ws.status).toBe(403);
    expect((await b.journal()).map((e) => e.type)).toEqual(["session.created"]);
  });

  it("a token is bound to the tenant too: right session id, other tenant → 403", async () => {
    const s = await createSession({ tenant: "acme" });
    const otherTenant = await sign(s.id, "globex");
    expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: otherTenant }))).toEqual({ status: 403, code: "forbidden" });
    const sameTenant = await sign(s.id, "acme");
    expect((await api(`/v1/sessions/${s.id}`, { token: sameTenant })).status).toBe(200);
  });

  it("a well-signed token for a session that was never created finds nothing", async () => {
    const ghost = env.AGENT_SESSION.newUniqueId().toString();
    const token = await sign(ghost, "default");
    expect(await errorOf(await api(`/v1/sessions/${ghost}`, { token }))).toEqual({ status: 404, code: "session_not_initialized" });
    expect(
      await errorOf(await api(`/v1/sessions/${ghost}/events`, { method: "POST", token, body: '{"type":"user.message","text":"x"}' })),
    ).toEqual({
      status: 404,
      code: "session_not_initialized",
    });
    // Asking did not create anything in the object's storage.
    const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(ghost));
    expect(
      await runInDurableObject(stub, (_instance, state) =>
        state.storage.sql
          .exec("SELECT name FROM sqlite_master WHERE type = 'table'")
          .toArray()
          .map((r) => r.name),
      ),
    ).not.toContain("journal");
  });

  it("an expired token is 401", async () => {
    const s = await createSession();
    const old = await sign(s.id, "default", "device", Date.now() - 8 * 24 * 3600 * 1000);
    expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: old }))).toEqual({ status: 401, code: "unauthorized" });
  });

  it("missing, malformed and tampered tokens are 401", async () => {
    const s = await createSession();
    expect(await errorOf(await api(`/v1/sessions/${s.id}`))).toEqual({ status: 401, code: "unauthorized" });
    expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: "nonsense" }))).toEqual({ status: 401, code: "unauthorized" });
    const [v, claims, sig] = s.token.split(".");
    const flipped = sig!.startsWith("A") ? `B${sig!.slice(1)}` : `A${sig!.slice(1)}`;
    expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: `${v}.${claims}.${flipped}` }))).toEqual({
      status: 401,
      code: "unauthorized",
    });
    // Query tokens are only for the WebSocket upgrade (they would leak into logs elsewhere).
    expect((await api(`/v1/sessions/${s.id}?token=${s.token}`)).status).toBe(401);
  });
});

describe("bad input gets a typed 4xx and loses nothing", () => {
  it("malformed JSON, unknown event type, missing fields, oversized payloads", async () => {
    const s = await createSession();
    const before = await s.journal();
    const raw = (body: string) => api(`/v1/sessions/${s.id}/events`, { method: "POST", token: s.token, body });
    expect(await errorOf(await raw("{not json"))).toEqual({ status: 400, code: "invalid_json" });
    expect(await errorOf(await raw('{"type":"user.shout","text":"hi"}'))).toEqual({ status: 400, code: "unknown_event_type" });
    expect(await errorOf(await raw('{"type":"user.message"}'))).toEqual({ status: 400, code: "invalid_request" });
    expect(await errorOf(await raw("[1,2]"))).toEqual({ status: 400, code: "invalid_request" });
    const tooLongText = JSON.stringify({ type: "user.message", text: "x".repeat(MAX_MESSAGE_CHARS + 1) });
    expect(await errorOf(await raw(tooLongText))).toEqual({ status: 413, code: "payload_too_large" });
    const tooBig = JSON.stringify({ type: "user.message", text: "x".repeat(MAX_BODY_BYTES) });
    expect(await errorOf(await raw(tooBig))).toEqual({ status: 413, code: "payload_too_large" });
    expect(await s.journal()).toEqual(before);
  });

  it("bad session options, bad query params, unknown routes and operations", async () => {
    expect(await errorOf(await api("/v1/sessions", { method: "POST", body: '{"tenant":"Not Valid!"}' }))).toEqual({
      status: 400,
      code: "invalid_request",
    });
    expect(await errorOf(await api("/v1/sessions", { method: "POST", body: '{"approvalTimeoutSeconds":0}' }))).toEqual({
      status: 400,
      code: "invalid_request",
    });
    const s = await createSession();
    expect(await errorOf(await s.get("/journal?after=-1"))).toEqual({ status: 400, code: "invalid_request" });
    expect(await errorOf(await (await s.as("approver")).post("/operations/9.tool/approve"))).toEqual({ status: 404, code: "not_found" });
    expect(
      await errorOf(await s.post("/events", { type: "user.message", text: "x" }, { "idempotency-key": "bad key with spaces" })),
    ).toEqual({ status: 400, code: "invalid_request" });
    expect(await errorOf(await api("/v2/nothing"))).toEqual({ status: 404, code: "not_found" });
  });

  it("bad WebSocket frames get typed error frames and change nothing", async () => {
    const s = await createSession();
    const client = await ScriptedClient.connect(s, "device");
    const before = await s.journal();
    client.send("{oops");
    expect(await client.next("error")).toMatchObject({ code: "invalid_json" });
    client.send({ type: "user.shout", ref: "u" });
    expect(await client.next("error")).toMatchObject({ code: "unknown_event_type", ref: "u" });
    client.send({ type: "user.message", text: "y".repeat(MAX_MESSAGE_CHARS + 1) });
    expect(await client.next("error")).toMatchObject({ code: "payload_too_large" });
    client.send({ type: "step.complete", opKey: "1.infer", leaseId: "forged", output: "hi", model: "test-model@sha256:00", ref: "f" });
    expect(await client.next("error")).toMatchObject({ code: "not_found", ref: "f" });
    expect(await s.journal()).toEqual(before);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
  });

  it("a forged lease cannot complete someone else's step", async () => {
    const s = await createSession();
    const device = await ScriptedClient.connect(s, "device");
    await s.post("/events", { type: "user.message", text: "hi" });
    const offer = await device.nextOffer();
    device.send({
      type: "step.complete",
      opKey: offer.opKey,
      leaseId: "not-the-lease",
      output: "pwned",
      model: "test-model@sha256:00",
      ref: "x",
    });
    expect(await device.next("error")).toMatchObject({ code: "lease_mismatch", ref: "x" });
    expect((await s.journal()).some((e) => e.type === "assistant.message")).toBe(false);
  });
});
