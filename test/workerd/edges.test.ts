import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES } from "../../src/protocol/index.ts";
import { api, createSession, errorOf, ScriptedClient } from "./helpers.ts";

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** A correctly signed token over any claims text: what a holder of the secret could mint by mistake. */
async function signRaw(claims: string): Promise<string> {
  const body = `v2.${b64url(new TextEncoder().encode(claims))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(env.SESSION_TOKEN_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return `${body}.${b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body))))}`;
}

describe("token claims that a signature cannot make sensible", () => {
  it("null, impossible or out-of-range claims are 401; a signed id that is no Durable Object id is 404", async () => {
    const s = await createSession();
    const now = Math.floor(Date.now() / 1000);
    const good = { sid: s.id, tenant: "default", role: "device", jti: "j1", iat: now, exp: now + 3600 };
    expect((await api(`/v1/sessions/${s.id}`, { token: await signRaw(JSON.stringify(good)) })).status).toBe(200);
    const bad: [string, string][] = [
      ["null claims", "null"],
      ["an array", "[]"],
      ["a string", '"hello"'],
      ["exp in year 275,760", JSON.stringify({ ...good, exp: 8_640_000_000_000 })],
      ["iat in the future", JSON.stringify({ ...good, iat: now + 3600, exp: now + 7200 })],
      ["exp before iat", JSON.stringify({ ...good, exp: now - 10 })],
      ["no role", JSON.stringify({ ...good, role: undefined })],
      ["an unknown role", JSON.stringify({ ...good, role: "root" })],
      ["a fractional iat", JSON.stringify({ ...good, iat: now + 0.5 })],
      ["a bad tenant", JSON.stringify({ ...good, tenant: "Not Valid!" })],
      ["no jti", JSON.stringify({ ...good, jti: undefined })],
    ];
    for (const [what, claims] of bad) {
      expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: await signRaw(claims) })), what).toEqual({
        status: 401,
        code: "unauthorized",
      });
    }
    const notAnId = "f".repeat(64);
    const token = await signRaw(JSON.stringify({ ...good, sid: notAnId }));
    expect(await errorOf(await api(`/v1/sessions/${notAnId}`, { token })), "invalid id").toEqual({ status: 404, code: "not_found" });
    expect(await errorOf(await api(`/v1/sessions/${notAnId}/tokens`, { method: "POST", body: '{"role":"viewer"}' }))).toEqual({
      status: 404,
      code: "not_found",
    });
  });
});

describe("frames past the limit", () => {
  it("close the socket with 1009 and a typed reason, and change nothing", async () => {
    const s = await createSession();
    const client = await ScriptedClient.connect(s, "device");
    const before = await s.journal();
    const closed = new Promise<CloseEvent>((resolve) => client.socket.addEventListener("close", resolve));
    client.send(JSON.stringify({ type: "user.message", text: "y".repeat(MAX_FRAME_BYTES) }));
    const event = await closed;
    expect(event.code).toBe(1009);
    expect(event.reason).toMatch(/^payload_too_large: /);
    expect(await s.journal()).toEqual(before);
    // Multi-byte text counts in bytes: 30,000 three-byte characters are 90,000 bytes.
    const again = await ScriptedClient.connect(s, "device");
    const closedAgain = new Promise<CloseEvent>((resolve) => again.socket.addEventListener("close", resolve));
    again.send(JSON.stringify({ type: "user.message", text: "€".repeat(30_000) }));
    expect((await closedAgain).code).toBe(1009);
  });
});

describe("creation is atomic", () => {
  it("when the token cannot be signed, no session object is initialised", async () => {
    const { app } = await import("../../src/api/app.ts");
    const before = (await listDurableObjectIds(env.AGENT_SESSION)).length;
    const broken = { ...env, SESSION_TOKEN_SECRET: "too-short" };
    const res = await app.fetch(new Request("http://dormant.test/v1/sessions", { method: "POST", body: "{}" }), broken);
    expect(await errorOf(res)).toEqual({ status: 500, code: "misconfigured" });
    expect((await listDurableObjectIds(env.AGENT_SESSION)).length).toBe(before);
  });
});

describe("idempotency keys bind the request's meaning, whatever the channel", () => {
  it("re-serialised JSON over HTTP and the same message over the WebSocket replay the first append", async () => {
    const s = await createSession();
    const key = { "idempotency-key": "send-once-1" };
    const first = await s.post("/events", { type: "user.message", text: "hello there" }, key);
    expect(first.status).toBe(201);
    const { seq } = (await first.json()) as { seq: number };
    const reordered = await api(`/v1/sessions/${s.id}/events`, {
      method: "POST",
      token: s.token,
      headers: key,
      body: '{ "text" : "hello there",\n "type": "user.message" }',
    });
    expect(reordered.status).toBe(200);
    expect(await reordered.json()).toEqual({ seq, replayed: true });
    const client = await ScriptedClient.connect(s, "observer");
    client.send({ type: "user.message", text: "hello there", idempotencyKey: "send-once-1", ref: "ws" });
    expect(await client.next("ack")).toEqual({ type: "ack", ref: "ws", seq });
    client.send({ type: "user.message", text: "something else", idempotencyKey: "send-once-1", ref: "other" });
    expect(await client.next("error")).toMatchObject({ ref: "other", code: "idempotency_key_reused" });
    expect((await s.journal()).filter((e) => e.type === "user.message")).toHaveLength(1);
  });
});
