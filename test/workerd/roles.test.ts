import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EMAIL_ARGS, parkOnEmailApproval } from "./flows.ts";
import { api, createSession, errorOf, mailbox, ScriptedClient, untilJournal, waitFor } from "./helpers.ts";

describe("roles: who may decide an external effect", () => {
  it("under the default policy the proposing device cannot approve its own send_email; an approver can", async () => {
    const s = await createSession({ tenant: "roles-default" });
    const { device, opKey } = await parkOnEmailApproval(s);
    // The device's own token, over HTTP and over its socket.
    expect(await errorOf(await s.post(`/operations/${opKey}/approve`))).toEqual({ status: 403, code: "forbidden" });
    device.send({ type: "approval.decide", opKey, decision: "approve", ref: "self" });
    expect(await device.next("error")).toMatchObject({ ref: "self", code: "forbidden" });
    // Nor may a viewer, or an approver token of another session.
    const viewer = await s.as("viewer");
    expect(await errorOf(await viewer.post(`/operations/${opKey}/approve`))).toEqual({ status: 403, code: "forbidden" });
    const other = await (await createSession({ tenant: "roles-default" })).as("approver");
    expect(await errorOf(await api(`/v1/sessions/${s.id}/operations/${opKey}/approve`, { method: "POST", token: other.token }))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await mailbox("roles-default").list()).toHaveLength(0);

    const approver = await s.as("approver");
    expect((await approver.post(`/operations/${opKey}/approve`)).status).toBe(200);
    await untilJournal(s, (entries) => entries.some((e) => e.type === "step.completed" && e.opKey === opKey), "the send");
    expect(await mailbox("roles-default").list()).toMatchObject([{ ...EMAIL_ARGS, attempts: 1 }]);
    expect((await s.journal()).find((e) => e.type === "approval.granted")!.payload).toEqual({ by: "approver" });
  });

  it("an approver decides over its own socket too, and cannot act as a device", async () => {
    const s = await createSession({ tenant: "roles-ws" });
    const { opKey } = await parkOnEmailApproval(s);
    const approver = await s.as("approver");
    const socket = await ScriptedClient.connect(s, "observer", 0, undefined, approver.token);
    socket.send({ type: "user.message", text: "let me in", ref: "m" });
    expect(await socket.next("error")).toMatchObject({ ref: "m", code: "forbidden" });
    expect(await errorOf(await approver.post("/events", { type: "user.message", text: "x" }))).toEqual({ status: 403, code: "forbidden" });
    socket.send({ type: "approval.decide", opKey, decision: "reject", ref: "r" });
    await waitFor(async () => socket.frames.some((f) => f.type === "ack" && f.ref === "r"), "ack");
    expect((await s.types()).filter((t) => t === "approval.rejected")).toHaveLength(1);
  });

  it("a session created with selfApproval lets its device decide", async () => {
    const s = await createSession({ tenant: "roles-self", selfApproval: true });
    const { opKey } = await parkOnEmailApproval(s);
    expect((await s.post(`/operations/${opKey}/approve`)).status).toBe(200);
    await untilJournal(s, (entries) => entries.some((e) => e.type === "step.completed" && e.opKey === opKey), "the send");
    expect(await mailbox("roles-self").list()).toHaveLength(1);
  });

  it("a viewer reads but cannot write, take leases or consent", async () => {
    const s = await createSession({ policy: { hosted: "ask" } });
    const viewer = await s.as("viewer");
    expect((await api(`/v1/sessions/${s.id}/journal`, { token: viewer.token })).status).toBe(200);
    expect(await errorOf(await viewer.post("/events", { type: "user.message", text: "x" }))).toEqual({ status: 403, code: "forbidden" });
    expect(await errorOf(await viewer.post("/operations/2.infer/consent", { decision: "session" }))).toEqual({
      status: 403,
      code: "forbidden",
    });
    const res = await api(`/v1/sessions/${s.id}/ws?token=${viewer.token}`, { headers: { upgrade: "websocket" } });
    const socket = res.webSocket!;
    socket.accept();
    const frames: { type: string; code?: string }[] = [];
    socket.addEventListener("message", (event) => frames.push(JSON.parse(String(event.data))));
    socket.send(JSON.stringify({ type: "hello", role: "device" }));
    await waitFor(async () => frames.find((f) => f.type === "error"), "an error");
    expect(frames).toEqual([expect.objectContaining({ type: "error", code: "forbidden" })]);
  });
});

describe("tokens: minted by the app's backend, bounded, revocable", () => {
  it("a revoked token is refused on every route and its sockets are closed; other tokens go on", async () => {
    const s = await createSession();
    const approver = await s.as("approver");
    const socket = await ScriptedClient.connect(s, "observer", 0, undefined, approver.token);
    const closed = new Promise<CloseEvent>((resolve) => socket.socket.addEventListener("close", resolve));
    const revoke = await api(`/v1/sessions/${s.id}/tokens/${approver.jti}`, { method: "DELETE" });
    expect(await revoke.json()).toEqual({ jti: approver.jti, revoked: true });
    expect((await closed).code).toBe(1008);
    expect(await errorOf(await api(`/v1/sessions/${s.id}`, { token: approver.token }))).toEqual({ status: 401, code: "unauthorized" });
    expect(await errorOf(await approver.post("/operations/1.tool/approve"))).toEqual({ status: 401, code: "unauthorized" });
    expect((await api(`/v1/sessions/${s.id}/ws?token=${approver.token}`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    expect((await s.get("")).status).toBe(200);
    expect((await s.types()).filter((t) => t === "token.revoked")).toHaveLength(1);
    // Revoking again changes nothing.
    expect(await (await api(`/v1/sessions/${s.id}/tokens/${approver.jti}`, { method: "DELETE" })).json()).toEqual({
      jti: approver.jti,
      revoked: false,
    });
  });

  it("minting takes a known role and a bounded lifetime; creation hands out a device token", async () => {
    const s = await createSession();
    expect(s.role).toBe("device");
    expect(s.expiresAt).toBeGreaterThan(Date.now());
    expect(s.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 24 * 3600 * 1000);
    const mint = (body: unknown) => api(`/v1/sessions/${s.id}/tokens`, { method: "POST", body: JSON.stringify(body) });
    expect(await errorOf(await mint({ role: "admin" }))).toEqual({ status: 400, code: "invalid_request" });
    expect(await errorOf(await mint({ role: "viewer", ttlSeconds: 8 * 24 * 3600 }))).toEqual({ status: 400, code: "invalid_request" });
    const short = await mint({ role: "viewer", ttlSeconds: 60 });
    expect(short.status).toBe(201);
    expect(((await short.json()) as { expiresAt: number }).expiresAt).toBeLessThanOrEqual(Date.now() + 61_000);
    // Minting for a session that does not exist gives nothing.
    const ghost = env.AGENT_SESSION.newUniqueId().toString();
    expect(await errorOf(await api(`/v1/sessions/${ghost}/tokens`, { method: "POST", body: '{"role":"viewer"}' }))).toEqual({
      status: 404,
      code: "session_not_initialized",
    });
  });
});
