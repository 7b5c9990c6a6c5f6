import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { it } from "vitest";
import { PROTOCOL_VERSION, RUNTIME_VERSION, type SessionCreated } from "../src/protocol/index.ts";
import { Journal } from "../src/session/journal.ts";
import { SCHEMA } from "../src/session/schema.ts";
import { type BenchRow, mean, reportRows } from "./table.ts";

const SMALL = 10;
const LARGE = 10_000;
const stamp = () => ({ runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION, policy: "policy@1", model: null });
const payload = { text: "a typical short user message of about sixty characters long" };

/**
 * Appends `count` rows (each in its own transaction, as the session does) to a journal already at
 * `size`, returns ms per append, then trims the rows again so the next block starts at `size`.
 */
function appendBlock(stub: DurableObjectStub, size: number, count: number): Promise<number> {
  return runInDurableObject(stub, (_instance, state) => {
    const { sql } = state.storage;
    sql.exec(SCHEMA);
    const journal = new Journal(sql, stamp);
    state.storage.transactionSync(() => {
      while (journal.lastSeq() < size) journal.append("user.message", payload);
    });
    const started = performance.now();
    for (let i = 0; i < count; i++) state.storage.transactionSync(() => journal.append("user.message", payload));
    const perAppend = (performance.now() - started) / count;
    sql.exec("DELETE FROM journal WHERE seq > ?", size);
    return perAppend;
  });
}

/**
 * Raw journal appends at step 10 and at step 10,000, in alternating blocks so machine noise hits
 * both sides alike. workerd's clock ticks in whole ms, so many blocks are averaged.
 */
async function journalAppend(blocks: number, count: number): Promise<BenchRow> {
  const small = env.AGENT_SESSION.get(env.AGENT_SESSION.newUniqueId());
  const large = env.AGENT_SESSION.get(env.AGENT_SESSION.newUniqueId());
  const atSmall: number[] = [];
  const atLarge: number[] = [];
  for (let block = 0; block < blocks; block++) {
    atSmall.push(await appendBlock(small, SMALL, count));
    atLarge.push(await appendBlock(large, LARGE, count));
  }
  return {
    name: `journal.append, own tx (${blocks} blocks × ${count})`,
    unit: "µs/append",
    baseline: mean(atSmall) * 1000,
    measured: mean(atLarge) * 1000,
    target: "≤ 1.20",
  };
}

async function createSession(): Promise<SessionCreated> {
  return (await (await exports.default.fetch("http://bench/v1/sessions", { method: "POST", body: "{}" })).json()) as SessionCreated;
}

function poster(session: SessionCreated): (text: string) => Promise<Response> {
  return (text) =>
    exports.default.fetch(`http://bench/v1/sessions/${session.id}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "user.message", text }),
    });
}

/**
 * The session's inbox holds at most MAX_INBOX messages behind its open turn (there is no device
 * here, so the turn never ends): the bench empties it, untimed, so every post is accepted.
 */
function drainInbox(stub: DurableObjectStub): Promise<unknown> {
  return runInDurableObject(stub, (_i, state) => state.storage.sql.exec("DELETE FROM inbox"));
}

async function timePosts(post: (text: string) => Promise<Response>, stub: DurableObjectStub, count: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < count; i++) {
    await drainInbox(stub);
    const started = performance.now();
    const res = await post(`message ${i}`);
    total += performance.now() - started;
    if (res.status !== 201) throw new Error(`POST /events answered ${res.status}`);
  }
  return total / count;
}

/**
 * The whole client path (Hono route, token check, RPC, state machine, journal) for a session at
 * step ~10 (a fresh one per block) versus one at step ~10,000, alternating blocks.
 */
async function httpAppend(blocks: number, count: number): Promise<BenchRow> {
  const big = await createSession();
  const postBig = poster(big);
  const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(big.id));
  const size = () =>
    runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal").one().n);
  // After the first message the turn stays open (no device), so each post adds one journal row.
  while ((await size()) < LARGE) {
    await drainInbox(stub);
    for (let i = 0; i < 10; i++) await postBig("filler");
  }
  const atSmall: number[] = [];
  const atLarge: number[] = [];
  for (let block = 0; block < blocks; block++) {
    const created = await createSession();
    const small = poster(created);
    const smallStub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(created.id));
    for (let i = 0; i < SMALL - 3; i++) await small("warm-up");
    atSmall.push(await timePosts(small, smallStub, count));
    atLarge.push(await timePosts(postBig, stub, count));
  }
  return {
    name: `POST /events, end to end (${blocks} blocks × ${count})`,
    unit: "ms/append",
    baseline: mean(atSmall),
    measured: mean(atLarge),
    target: "≤ 1.20",
  };
}

it("journal append cost at step 10 vs step 10,000", async () => {
  const rows = [await journalAppend(200, 100), await httpAppend(20, 25)];
  reportRows("Journal append cost (baseline: step 10, same run, alternating blocks)", "step 10", "step 10,000", rows);
});
