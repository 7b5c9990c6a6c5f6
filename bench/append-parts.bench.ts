import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { it } from "vitest";
import { app } from "../src/api/app.ts";
import { corsForListedOrigins } from "../src/api/origins.ts";
import { signToken, verifyToken } from "../src/api/tokens.ts";
import type { SessionCreated } from "../src/protocol/index.ts";
import type { AgentSession } from "../src/session/agent-session.ts";
import { type BenchRow, mean, reportRows } from "./table.ts";

// Where a POST /events goes, in CPU per call (decisions/0015). workerd's clock moves only across
// I/O, so a loop of calls between two timer ticks measures their CPU; the server bench has the
// wall-clock rows. Parts alternate with the bare INSERT they are divided by, over several rounds.

const text = "a typical short user message of about sixty characters long";
const CALLS = 1000;
const ROUNDS = 4;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** µs of CPU per call of `fn`. */
async function cpu(fn: () => unknown): Promise<number> {
  await tick();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await fn();
  await tick();
  return ((performance.now() - started) / CALLS) * 1000;
}

it("where a POST /events goes: CPU of each part against a bare INSERT", async () => {
  const created = (await (
    await exports.default.fetch(new Request("http://bench/v1/sessions", { method: "POST", body: "{}" }))
  ).json()) as SessionCreated;
  const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(created.id));
  const secret = env.SESSION_TOKEN_SECRET!;
  const { token } = await signToken(secret, { sid: created.id, tenant: "default", role: "device" });
  const body = JSON.stringify({ type: "user.message", text });
  // The API with the session answering at once: what the worker in front of the object spends.
  const answering = { appendEvent: async () => ({ ok: true, value: { seq: 1, replayed: false } }) };
  const apiEnv = { ...env, AGENT_SESSION: { idFromString: (id: string) => env.AGENT_SESSION.idFromString(id), get: () => answering } };
  const post = () =>
    new Request(`http://bench/v1/sessions/${created.id}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
  const bareHono = new Hono().get("/v1/health", (c) => c.json({ ok: true }));
  const withCors = new Hono().use("/v1/*", corsForListedOrigins as never).get("/v1/health", (c) => c.json({ ok: true }));
  const health = (h: { fetch: Hono["fetch"] }) => async () =>
    (await h.fetch(new Request("http://bench/v1/health"), env, {} as ExecutionContext)).arrayBuffer();
  const caller = { tenant: "default", role: "device" as const, jti: "bench" };

  const parts = new Map<string, number[]>();
  const add = (name: string, value: number) => parts.set(name, [...(parts.get(name) ?? []), value]);
  await runInDurableObject(stub, async (instance: AgentSession, state) => {
    const { sql } = state.storage;
    sql.exec("CREATE TABLE IF NOT EXISTS bare (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)");
    await instance.appendEvent(caller, { type: "user.message", text }, null); // opens a turn: later messages queue
    for (let round = 0; round < ROUNDS; round++) {
      add(
        "bare INSERT",
        await cpu(() => state.storage.transactionSync(() => sql.exec("INSERT INTO bare (body, at) VALUES (?, ?)", text, Date.now()))),
      );
      add(
        "session: append inside the object (RPC method, queued message)",
        await cpu(async () => {
          await instance.appendEvent(caller, { type: "user.message", text }, null);
          sql.exec("DELETE FROM inbox");
        }),
      );
    }
  });
  for (let round = 0; round < ROUNDS; round++) {
    add(
      "API: POST /events through the Hono app, session answering at once",
      await cpu(async () => {
        const res = await app.fetch(post(), apiEnv as unknown as Env, {} as ExecutionContext);
        if (res.status !== 201) throw new Error(`answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }),
    );
    add("API part: hono/cors on a request (its app minus a bare Hono app)", (await cpu(health(withCors))) - (await cpu(health(bareHono))));
    add("API part: session token check (HMAC-SHA256 verify)", await cpu(() => verifyToken(secret, token)));
  }
  const bare = mean(parts.get("bare INSERT")!);
  const rows: BenchRow[] = [...parts]
    .filter(([name]) => name !== "bare INSERT")
    .map(([name, values]) => ({ name, unit: "µs CPU/call", baseline: bare, measured: mean(values), target: "report" }));
  reportRows(
    `Where a POST /events goes (CPU per call, ${ROUNDS} rounds × ${CALLS} calls; baseline: one INSERT in its own transaction)`,
    "bare INSERT",
    "part",
    rows,
  );
});
