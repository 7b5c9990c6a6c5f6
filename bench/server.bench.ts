import { evictDurableObject } from "cloudflare:test";
import { it } from "vitest";
import type { SessionStats } from "../src/protocol/index.ts";
import { bareTarget, call, session, sessionTarget, type Target, text } from "./server-targets.ts";
import { type BenchRow, mean, median, reportRows } from "./table.ts";

// The session against bare Durable Objects doing the minimal version of the same work, in one
// workerd run (bench/worker.ts, config from bench/bench-config.ts): waking to answer, and intake.

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** ms until the answer's first byte (the response head); `evicted`: of an object evicted just before. */
async function wake(stub: DurableObjectStub, request: () => Promise<Response>, evicted = true): Promise<number> {
  if (evicted) await evictDurableObject(stub).catch(() => undefined); // Not running: already asleep.
  const started = performance.now();
  const res = await request();
  const ms = performance.now() - started;
  if (res.status >= 300) throw new Error(`answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return ms;
}

/** Paired samples, alternating `base` and `measured`, each evicted before its request unless `evicted` is false. */
async function wakeRows(label: string, base: Target, measured: Target, samples: number, evicted = true): Promise<BenchRow[]> {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < samples; i++) {
    x.push(await wake(base.stub, base.request, evicted));
    await base.after?.();
    y.push(await wake(measured.stub, measured.request, evicted));
    await measured.after?.();
  }
  if (measured.session && evicted) {
    // Where the session's wake went, from its own cold-start records (workerd's clock ticks in ms).
    const { id, token } = measured.session;
    const stats = (await (
      await call(`/v1/sessions/${id}/stats`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as SessionStats;
    const phase = (key: "constructorMs" | "hydrateMs" | "firstEventMs") => median(stats.recentWakes.map((w) => w[key])).toFixed(1);
    console.log(
      `${label}: session wake phases (median of last ${stats.recentWakes.length}): constructor ${phase("constructorMs")} ms, hydrate ${phase("hydrateMs")} ms, construction → first event done ${phase("firstEventMs")} ms`,
    );
  }
  return [
    // workerd's clock ticks in whole ms: a single wake is 1-4 ticks, so the mean resolves what p50 cannot.
    { name: `${label}, mean`, unit: "ms", baseline: mean(x), measured: mean(y), target: "≤ 1.5" },
    {
      name: `${label}, p50`,
      unit: "ms",
      baseline: percentile(x, 50),
      measured: percentile(y, 50),
      ratio: median(x.map((b, i) => y[i]! / b)),
      target: "≤ 1.5",
    },
    { name: `${label}, p99`, unit: "ms", baseline: percentile(x, 99), measured: percentile(y, 99), target: "≤ 1.5" },
  ];
}

/** Events per second `clients` concurrent loops get through `path` in `ms`. */
async function sustained(path: string, clients: number, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const res = await call(path, { method: "POST", body: text });
        if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

it("the session against bare Durable Objects", async () => {
  const rows: BenchRow[] = [
    ...(await wakeRows("A/A: evicted echo object vs another", await bareTarget("echo", 10), await bareTarget("echo", 10), 100)),
    ...(await wakeRows(
      "warm (no eviction): POST /events vs bare INSERT",
      await bareTarget("insert", 10),
      await sessionTarget(10, "post"),
      100,
      false,
    )),
  ];
  for (const size of [10, 10_000]) {
    const n = size.toLocaleString("en");
    // A read answers without a durable write on the bare side; an append waits for its commit on both.
    rows.push(
      ...(await wakeRows(
        `wake to a read: session GET vs echo object, ${n} rows`,
        await bareTarget("echo", size),
        await sessionTarget(size, "get"),
        100,
      )),
    );
    rows.push(
      ...(await wakeRows(
        `wake to an append: session POST /events vs bare INSERT, ${n} rows`,
        await bareTarget("insert", size),
        await sessionTarget(size, "post"),
        100,
      )),
    );
  }
  const { created } = await session(10);
  const bare: number[] = [];
  const ours: number[] = [];
  for (let block = 0; block < 2; block++) {
    bare.push(await sustained(`/bench/insert/sustained-${block}`, 16, 5000));
    ours.push(await sustained(`/bench/intake/${created.id}`, 16, 5000));
  }
  rows.push({
    name: "sustained intake, 16 clients × 5 s: session (data-only trigger event) vs one INSERT",
    unit: "events/s",
    baseline: mean(bare),
    measured: mean(ours),
    target: "≥ 0.8",
  });
  reportRows("Session vs bare Durable Objects (same workerd run, alternating; ratio = median of pairs)", "bare DO", "session", rows);
});
