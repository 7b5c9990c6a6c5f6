import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { PROTOCOL_VERSION, RUNTIME_VERSION, type SessionCreated } from "../src/protocol/index.ts";
import { Journal } from "../src/session/journal.ts";
import type { BenchEnv } from "./worker.ts";

// What the workerd benches ask: sessions with a journal of a given size, and the bare baseline
// objects beside them, all reached through the bench Worker (bench/worker.ts).

export const { BARE_ECHO, BARE_INSERT, SDK_CHAT } = env as unknown as BenchEnv;
export const text = "a typical short user message of about sixty characters long";
const stamp = () => ({ runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION, policy: "policy@1", model: null });
export const call = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`http://bench${path}`, init));

export async function session(rows: number): Promise<{ created: SessionCreated; stub: DurableObjectStub }> {
  const created = (await (await call("/v1/sessions", { method: "POST", body: "{}" })).json()) as SessionCreated;
  const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(created.id));
  await runInDurableObject(stub, (_i, state) => {
    const journal = new Journal(state.storage.sql, stamp);
    state.storage.transactionSync(() => {
      while (journal.lastSeq() < rows) journal.append("user.message", { text });
    });
  });
  await evictDurableObject(stub); // The live instance's journal cursor predates the rows just written.
  return { created, stub };
}

/** Something the bench wakes and asks: an object, the request, and untimed cleanup after it. */
export interface Target {
  stub: DurableObjectStub;
  request: () => Promise<Response>;
  after?: () => Promise<unknown>;
  /** The session's credentials, for its cold-start records. */
  session?: SessionCreated;
}

export async function bareTarget(kind: "echo" | "insert", rows: number): Promise<Target> {
  const name = `${kind}-${rows}-${crypto.randomUUID()}`;
  const ns = kind === "echo" ? BARE_ECHO : BARE_INSERT;
  const stub = ns.get(ns.idFromName(name));
  await stub.fill(rows, text);
  return { stub, request: () => call(`/bench/${kind}/${name}`, { method: "POST", body: text }) };
}

/** A session with `rows` journal rows, asked to append a message (`post`) or for its view (`get`). */
export async function sessionTarget(rows: number, how: "post" | "get"): Promise<Target> {
  const { created, stub } = await session(rows);
  const auth = { authorization: `Bearer ${created.token}` };
  if (how === "get") return { stub, session: created, request: () => call(`/v1/sessions/${created.id}`, { headers: auth }) };
  return {
    stub,
    session: created,
    request: () =>
      call(`/v1/sessions/${created.id}/events`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ type: "user.message", text }),
      }),
    // The turn stays open (no device), so the message waited in the inbox: emptied, untimed.
    after: () => runInDurableObject(stub, (_i, state) => state.storage.sql.exec("DELETE FROM inbox")),
  };
}
