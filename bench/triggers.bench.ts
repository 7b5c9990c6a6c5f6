import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { it } from "vitest";
import type { SessionCreated } from "../src/protocol/index.ts";
import { DEV_HOOK_SECRET } from "../src/triggers/hook-config.ts";
import { sign } from "../src/triggers/signature.ts";
import { type BenchRow, mean, median, reportRows } from "./table.ts";

// Trigger paths against the plain event path, same run, alternating blocks: the signed webhook
// goes edge → tenant gate → Cloudflare Queue (Miniflare's, max_batch_timeout 1 s) → consumer →
// session; POST /events goes straight to the session.

async function createSession(): Promise<SessionCreated> {
  return (await (await exports.default.fetch("http://bench/v1/sessions", { method: "POST", body: "{}" })).json()) as SessionCreated;
}

const received = (s: SessionCreated) =>
  runInDurableObject(
    env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(s.id)),
    (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal WHERE type IN ('trigger.received', 'user.message')").one().n,
  );

async function until(s: SessionCreated, count: number): Promise<void> {
  while ((await received(s)) < count) await new Promise((resolve) => setTimeout(resolve, 2));
}

async function webhook(s: SessionCreated, n: number): Promise<void> {
  const id = `bench-${s.id}-${n}`;
  const body = JSON.stringify({ session: s.id, data: n });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": await sign(DEV_HOOK_SECRET, id, timestamp, body),
  };
  const res = await exports.default.fetch("http://bench/v1/hooks/demo", { method: "POST", body, headers });
  if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

/** POST /events on a fresh session (a busy one would queue it behind its turn, and bound the queue). */
async function event(s: SessionCreated, n: number): Promise<void> {
  const res = await exports.default.fetch(`http://bench/v1/sessions/${s.id}/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "user.message", text: `message ${n}` }),
  });
  if (res.status !== 201) throw new Error(`event answered ${res.status}`);
}

/** A data-only event handed to the session's RPC directly (the bench Worker's `/bench/intake/`: no edge, gate or queue). */
async function direct(s: SessionCreated, n: number): Promise<void> {
  const res = await exports.default.fetch(`http://bench/bench/intake/${s.id}`, { method: "POST", body: String(n) });
  if (res.status !== 201) throw new Error(`direct delivery refused: ${await res.text()}`);
}

type Send = (s: SessionCreated, n: number) => Promise<void>;

/** ms from sending one event on a fresh session until it was answered, and until it was journaled. */
async function latency(send: Send, n: number): Promise<{ answered: number; journaled: number }> {
  const s = await createSession();
  const started = performance.now();
  await send(s, n);
  const answered = performance.now() - started;
  await until(s, 1);
  return { answered, journaled: performance.now() - started };
}

/** Paired samples (baseline, measured) in alternation; rows for the answer and for the journal row. */
async function latencyRows(label: string, baseline: Send, measured: Send, samples: number): Promise<BenchRow[]> {
  const pairs: { x: { answered: number; journaled: number }; y: { answered: number; journaled: number } }[] = [];
  for (let n = 0; n < samples; n++) pairs.push({ x: await latency(baseline, n), y: await latency(measured, n) });
  const row = (what: "answered" | "journaled", name: string): BenchRow => ({
    name,
    unit: "ms/event",
    baseline: mean(pairs.map((p) => p.x[what])),
    measured: mean(pairs.map((p) => p.y[what])),
    ratio: median(pairs.map((p) => p.y[what] / p.x[what])),
    target: "report",
  });
  return [row("answered", `${label}: answered (201/202)`), row("journaled", `${label}: journaled`)];
}

/** Events per second one session journals when `count` are sent at once. */
async function throughput(send: Send, count: number): Promise<number> {
  const s = await createSession();
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, n) => send(s, n)));
  await until(s, count);
  return count / ((performance.now() - started) / 1000);
}

it("trigger paths vs direct events", async () => {
  const rows: BenchRow[] = [
    ...(await latencyRows("A/A: POST /events vs POST /events", event, event, 20)),
    ...(await latencyRows("webhook vs POST /events", event, webhook, 20)),
  ];
  const straight: number[] = [];
  const queued: number[] = [];
  for (let block = 0; block < 4; block++) {
    straight.push(await throughput(direct, 40));
    queued.push(await throughput(webhook, 40));
  }
  rows.push({
    name: "one session's intake, 40 at once: webhook + queue vs direct RPC",
    unit: "events/s",
    baseline: mean(straight),
    measured: mean(queued),
    target: "report",
  });
  reportRows("Trigger paths (baseline: POST /events, same run, alternating)", "direct", "trigger", rows);
});
