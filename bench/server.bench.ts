import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { getAgentByName } from "agents";
import { it } from "vitest";
import { PROTOCOL_VERSION, RUNTIME_VERSION, type SessionCreated, type SessionStats } from "../src/protocol/index.ts";
import { Journal } from "../src/session/journal.ts";
import { type BenchRow, mean, median, reportRows } from "./table.ts";
import type { BenchEnv } from "./worker.ts";

// The session against bare Durable Objects doing the minimal version of the same work, in one
// workerd run (bench/worker.ts, config from bench/bench-config.ts): waking to answer, and intake.

const { BARE_ECHO, BARE_INSERT, SDK_CHAT } = env as unknown as BenchEnv;
const text = "a typical short user message of about sixty characters long";
const stamp = () => ({ runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION, policy: "policy@1", model: null });
const call = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`http://bench${path}`, init));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function session(rows: number): Promise<{ created: SessionCreated; stub: DurableObjectStub }> {
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

/** Something the bench wakes and asks: an object, the request, and untimed cleanup after it. */
interface Target {
  stub: DurableObjectStub;
  request: () => Promise<Response>;
  after?: () => Promise<unknown>;
  /** The session's credentials, for its cold-start records. */
  session?: SessionCreated;
}

async function bareTarget(kind: "echo" | "insert", rows: number): Promise<Target> {
  const name = `${kind}-${rows}-${crypto.randomUUID()}`;
  const ns = kind === "echo" ? BARE_ECHO : BARE_INSERT;
  const stub = ns.get(ns.idFromName(name));
  await stub.fill(rows, text);
  return { stub, request: () => call(`/bench/${kind}/${name}`, { method: "POST", body: text }) };
}

/** A session with `rows` journal rows, asked to append a message (`post`) or for its view (`get`). */
async function sessionTarget(rows: number, how: "post" | "get"): Promise<Target> {
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

/** Value bytes in an object's own SQLite tables, and its largest row (what a write has to carry). */
function storageBytes(sql: SqlStorage): { bytes: number; largestRow: number } {
  const size = (v: SqlStorageValue) =>
    v === null ? 0 : typeof v === "number" ? 8 : typeof v === "string" ? new TextEncoder().encode(v).byteLength : v.byteLength;
  let bytes = 0;
  let largestRow = 0;
  const tables = sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .toArray();
  for (const { name } of tables) {
    for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
      const rowBytes = Object.values(row).reduce<number>((sum, v) => sum + size(v), 0);
      bytes += rowBytes;
      largestRow = Math.max(largestRow, rowBytes);
    }
  }
  return { bytes, largestRow };
}

type AppendPath = Target & { label: string };

/** The same conversation at `size` messages, appended one message at a time six ways, in alternating blocks. */
async function appendRows(size: number, blocks: number, perBlock: number): Promise<{ rows: BenchRow[]; lines: string[] }> {
  const intake = await session(size);
  const direct = await session(size);
  const sdk = async (kind: "state" | "sql"): Promise<Target> => {
    const name = `sdk-${kind}-${size}-${crypto.randomUUID()}`;
    await (await getAgentByName(SDK_CHAT, name)).fill(kind, size, text);
    return {
      stub: SDK_CHAT.get(SDK_CHAT.idFromName(name)),
      request: () => call(`/bench/sdk-${kind}/${name}`, { method: "POST", body: text }),
    };
  };
  const paths: AppendPath[] = [
    { label: "bare DO INSERT", ...(await bareTarget("insert", size)) },
    { label: "ours: POST /events", ...(await sessionTarget(size, "post")) },
    // The same append as POST /events, asked over RPC with no HTTP API in front: the API's share is the difference.
    {
      label: "ours: the same append over RPC",
      stub: direct.stub,
      request: () => call(`/bench/append/${direct.created.id}`, { method: "POST", body: text }),
      after: () => runInDurableObject(direct.stub, (_i, state) => state.storage.sql.exec("DELETE FROM inbox")),
    },
    // A data-only trigger event (a journal row + its idempotency key) over RPC.
    {
      label: "ours: session intake over RPC",
      stub: intake.stub,
      request: () => call(`/bench/intake/${intake.created.id}`, { method: "POST", body: text }),
    },
    { label: "Agents SDK setState", ...(await sdk("state")) },
    { label: "Agents SDK this.sql", ...(await sdk("sql")) },
  ];
  const bytesOf = (p: AppendPath) => runInDurableObject(p.stub, (_i, state) => storageBytes(state.storage.sql));
  const times = paths.map(() => [] as number[]);
  const before = await Promise.all(paths.map(bytesOf));
  for (let block = 0; block < blocks; block++) {
    for (const [i, path] of paths.entries()) {
      let total = 0;
      for (let n = 0; n < perBlock; n++) {
        const started = performance.now();
        const res = await path.request();
        total += performance.now() - started;
        if (res.status !== 201) throw new Error(`${path.label} answered ${res.status}: ${await res.text()}`);
        await path.after?.();
      }
      times[i]!.push(total / perBlock);
    }
  }
  const after = await Promise.all(paths.map(bytesOf));
  const appended = blocks * perBlock;
  const rows = paths.slice(1).map((path, i) => ({
    name: `${path.label} vs bare INSERT, ${size.toLocaleString("en")} messages`,
    unit: "ms/append",
    baseline: mean(times[0]!),
    measured: mean(times[i + 1]!),
    ratio: median(times[i + 1]!.map((t, b) => t / times[0]![b]!)),
    target: i === 0 ? "≤ 1.2" : "report",
  }));
  const lines = paths.map((path, i) => {
    const perEvent = (after[i]!.bytes - before[i]!.bytes) / appended;
    return `${size.toLocaleString("en")} messages · ${path.label}: storage grows ~${Math.round(perEvent)} B per message (table values); largest row ${after[i]!.largestRow.toLocaleString("en")} B`;
  });
  return { rows, lines };
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

it("a conversation appended message by message: ours, a bare DO, and the Cloudflare Agents SDK", async () => {
  const rows: BenchRow[] = [];
  const lines: string[] = [];
  for (const size of [10, 1_000, 10_000]) {
    const result = await appendRows(size, 10, 50);
    rows.push(...result.rows);
    lines.push(...result.lines);
  }
  reportRows("Conversation append (baseline: a bare DO doing one INSERT, same run, alternating blocks)", "bare DO", "measured", rows);
  // setState writes its whole state row again on every append: its largest row is what each append writes.
  console.log(lines.join("\n"));
});
