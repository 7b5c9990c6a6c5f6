import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type {
  IssuedToken,
  JournalEntry,
  JournalEventType,
  LeaseOffer,
  ServerFrame,
  SessionCreated,
  SessionStats,
  TokenRole,
} from "../../src/protocol/index.ts";
import type { AgentSession } from "../../src/session/agent-session.ts";

export const BASE = "http://dormant.test";

export function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers }));
}

export interface TestSession extends SessionCreated {
  stub: DurableObjectStub<AgentSession>;
  /** With the creation (device) token. */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** With a token of `role`, minted by the app's backend (the create key is open in development). */
  as(role: TokenRole): Promise<{ token: string; jti: string; post(path: string, body?: unknown): Promise<Response> }>;
  get(path: string): Promise<Response>;
  journal(): Promise<JournalEntry[]>;
  types(): Promise<JournalEventType[]>;
}

export async function createSession(options: Record<string, unknown> = {}): Promise<TestSession> {
  const res = await api("/v1/sessions", { method: "POST", body: JSON.stringify(options) });
  expect(res.status).toBe(201);
  const created = (await res.json()) as SessionCreated;
  const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(created.id));
  const session: TestSession = {
    ...created,
    stub,
    post: (path, body, headers) =>
      api(`/v1/sessions/${created.id}${path}`, {
        method: "POST",
        token: created.token,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    get: (path) => api(`/v1/sessions/${created.id}${path}`, { token: created.token }),
    as: async (role) => {
      const minted = await api(`/v1/sessions/${created.id}/tokens`, { method: "POST", body: JSON.stringify({ role }) });
      expect(minted.status).toBe(201);
      const { token, jti } = (await minted.json()) as IssuedToken;
      return {
        token,
        jti,
        post: (path, body) =>
          api(`/v1/sessions/${created.id}${path}`, { method: "POST", token, body: body === undefined ? undefined : JSON.stringify(body) }),
      };
    },
    journal: async () => {
      const entries: JournalEntry[] = [];
      for (let after = 0; ; ) {
        const page = (await (await session.get(`/journal?after=${after}&limit=1000`)).json()) as { entries: JournalEntry[]; next: number };
        entries.push(...page.entries);
        if (page.entries.length === 0) return entries;
        after = page.next;
      }
    },
    types: async () => (await session.journal()).map((entry) => entry.type),
  };
  return session;
}

/**
 * Evicts the object (hibernating its sockets) so the next event runs a fresh constructor. workerd
 * may already have put an idle object to sleep; touching it first makes every call a real eviction.
 */
export async function evict(session: TestSession): Promise<{ hadWoken: boolean }> {
  // Whether the evicted instance had handled a real event (and so recorded a wake).
  const hadWoken = await runInDurableObject(
    session.stub,
    (instance: AgentSession) => (instance as unknown as { waker: { live: unknown } }).waker.live !== null,
  );
  await evictDurableObject(session.stub);
  return { hadWoken };
}

export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the session's journal satisfies `done`; returns the whole journal at that point. */
export function untilJournal(session: TestSession, done: (entries: JournalEntry[]) => boolean, what: string): Promise<JournalEntry[]> {
  return waitFor(async () => {
    const entries = await session.journal();
    return done(entries) && entries;
  }, what);
}

/** A scripted client over the real WebSocket route: what the on-device engine will speak. */
export class ScriptedClient {
  readonly frames: ServerFrame[] = [];
  private cursor = 0;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
    });
  }

  static async connect(
    session: TestSession,
    role: "device" | "observer" = "device",
    afterSeq = 0,
    device?: string,
    token = session.token,
  ): Promise<ScriptedClient> {
    const res = await api(`/v1/sessions/${session.id}/ws?token=${encodeURIComponent(token)}`, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const socket = res.webSocket!;
    socket.accept();
    const client = new ScriptedClient(socket);
    client.send({ type: "hello", role, afterSeq, ...(device ? { device } : {}) });
    await client.next("welcome");
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame of `type` after the last one consumed. */
  async next<K extends ServerFrame["type"]>(type: K, timeoutMs = 5000): Promise<Extract<ServerFrame, { type: K }>> {
    return waitFor(
      async () => {
        for (; this.cursor < this.frames.length; this.cursor++) {
          const frame = this.frames[this.cursor]!;
          if (frame.type === type) {
            this.cursor++;
            return frame as Extract<ServerFrame, { type: K }>;
          }
        }
        return undefined;
      },
      `a ${type} frame`,
      timeoutMs,
    );
  }

  nextOffer(): Promise<LeaseOffer> {
    return this.next("lease.offer");
  }

  /** Answers as a device does: computed with the model the offer names (the session's release). */
  complete(offer: LeaseOffer, output: string, model = offer.model!.pins[0]!): void {
    this.send({ type: "step.complete", opKey: offer.opKey, leaseId: offer.leaseId, output, model });
  }

  close(): void {
    this.socket.close(1000, "done");
  }
}

export async function stats(session: TestSession): Promise<SessionStats> {
  return (await (await session.get("/stats")).json()) as SessionStats;
}

export function mailbox(tenant = "default") {
  return env.MAILBOX.get(env.MAILBOX.idFromName(tenant));
}

export async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.message).toBe("string");
  return { status: res.status, code: body.error.code };
}

export const toolCall = (name: string, args: Record<string, unknown>) => `<|call|>${JSON.stringify({ name, args })}<|end|>`;
