import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JournalPage, LeaseOffer, ServerFrame, SessionCreated } from "../../src/protocol/index.ts";
import { type DevServer, startDevServer, untilLogged } from "./dev-server.ts";

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer();
});

afterAll(async () => {
  await server?.stop();
});

async function json<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

describe("npm start", () => {
  it("answers GET /v1/health", async () => {
    const { status, body } = await json<{ ok: boolean; protocol: number }>("/v1/health");
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, protocol: 1 });
  });

  it("serves the session API: create, WebSocket device, a full turn, the journal", async () => {
    const created = await json<SessionCreated>("/v1/sessions", { method: "POST", body: "{}" });
    expect(created.status).toBe(201);
    const { id, token } = created.body;
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };

    const socket = new WebSocket(`${server.url.replace("http", "ws")}/v1/sessions/${id}/ws?token=${encodeURIComponent(token)}`);
    const frames: ServerFrame[] = [];
    socket.addEventListener("message", (event) => {
      frames.push(JSON.parse(String(event.data)) as ServerFrame);
    });
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve);
      socket.addEventListener("error", reject);
    });
    socket.send(JSON.stringify({ type: "hello", role: "device" }));

    const posted = await fetch(`${server.url}/v1/sessions/${id}/events`, {
      method: "POST",
      headers: { ...auth, "idempotency-key": "first" },
      body: JSON.stringify({ type: "user.message", text: "what is 6*7?" }),
    });
    expect(posted.status).toBe(201);

    const offer = await until(() => frames.find((f): f is LeaseOffer => f.type === "lease.offer"));
    expect(offer.messages).toEqual([{ role: "user", content: "what is 6*7?" }]);
    socket.send(
      JSON.stringify({
        type: "step.complete",
        opKey: offer.opKey,
        leaseId: offer.leaseId,
        output: '<|call|>{"name":"calculator","args":{"expression":"6*7"}}<|end|>',
        model: offer.model!.pins[0],
      }),
    );
    const second = await until(() => frames.filter((f): f is LeaseOffer => f.type === "lease.offer")[1]);
    expect(second.messages.at(-1)).toEqual({ role: "tool", name: "calculator", content: { value: 42 } });
    socket.send(
      JSON.stringify({
        type: "step.complete",
        opKey: second.opKey,
        leaseId: second.leaseId,
        output: "6*7 is 42.<|end|>",
        model: second.model!.pins[0],
      }),
    );

    const journal = await until(async () => {
      const page = await json<JournalPage>(`/v1/sessions/${id}/journal`, { headers: auth });
      return page.body.entries.some((e) => e.type === "assistant.message") ? page.body : undefined;
    });
    expect(journal.entries.find((e) => e.type === "assistant.message")?.payload).toMatchObject({ text: "6*7 is 42." });
    socket.close();

    const stats = await json<{ wakes: number; lastWake: { rowsRead: number } }>(`/v1/sessions/${id}/stats`, { headers: auth });
    expect(stats.body.wakes).toBeGreaterThanOrEqual(1);
    const other = await json<SessionCreated>("/v1/sessions", { method: "POST", body: "{}" });
    const cross = await json<{ error: { code: string } }>(`/v1/sessions/${other.body.id}`, { headers: auth });
    expect(cross).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
  });
});

const until = <T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000) =>
  untilLogged(probe, "the stack", () => server.output(), timeoutMs);
