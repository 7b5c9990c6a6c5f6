import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { getAgentByName } from "agents";
import { it } from "vitest";
import { PROTOCOL_VERSION, RUNTIME_VERSION, type SessionCreated, type SessionStats } from "../src/protocol/index.ts";
import { Journal } from "../src/session/journal.ts";
import { type BenchRow, median, printTable } from "./table.ts";
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

/**
 * Paired samples, alternating: an echo object vs a session, both at `rows` rows, each evicted
 * before its request (or, `evicted` false, both warm: the per-request cost without the wake).
 */
async function wakeRows(rows: number, samples: number, label: string, measuredIsEcho = false, evicted = true): Promise<BenchRow[]> {
  const echoName = `echo-${rows}-${crypto.randomUUID()}`;
  const echo = BARE_ECHO.get(BARE_ECHO.idFromName(echoName));
  await echo.fill(rows, text);
  const other = BARE_ECHO.get(BARE_ECHO.idFromName(`${echoName}-b`));
  await other.fill(rows, text);
  const { created, stub } = await session(rows);
  const post = () =>
    call(`/v1/sessions/${created.id}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "user.message", text }),
    });
  const base: number[] = [];
  const meas: number[] = [];
  for (let i = 0; i < samples; i++) {
    base.push(await wake(echo, () => call(`/bench/echo/${echoName}`, { method: "POST", body: text }), evicted));
    if (measuredIsEcho) meas.push(await wake(other, () => call(`/bench/echo/${echoName}-b`, { method: "POST", body: text }), evicted));
    else {
      meas.push(await wake(stub, post, evicted));
      // The turn stays open (no device), so the message waited in the inbox: emptied, untimed.
      await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("DELETE FROM inbox"));
    }
  }
  if (!measuredIsEcho && evicted) {
    // Where the session's wake went, from its own cold-start records (workerd's clock ticks in ms).
    const stats = (await (
      await call(`/v1/sessions/${created.id}/stats`, { headers: { authorization: `Bearer ${created.token}` } })
    ).json()) as SessionStats;
    const phase = (key: "constructorMs" | "hydrateMs" | "firstEventMs") => median(stats.recentWakes.map((w) => w[key])).toFixed(1);
    console.log(
      `${label}: session wake phases (median of last ${stats.recentWakes.length}): constructor ${phase("constructorMs")} ms, hydrate ${phase("hydrateMs")} ms, construction → first event done ${phase("firstEventMs")} ms`,
    );
  }
  const ratios = base.map((b, i) => meas[i]! / b);
  return [
    {
      name: `${label}, p50`,
      unit: "ms",
      baseline: percentile(base, 50),
      measured: percentile(meas, 50),
      ratio: median(ratios),
      target: "≤ 1.5",
    },
    { name: `${label}, p99`, unit: "ms", baseline: percentile(base, 99), measured: percentile(meas, 99), target: "≤ 1.5" },
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

interface AppendPath {
  label: string;
  stub: DurableObjectStub;
  append: () => Promise<Response>;
  /** Untimed, after each append. */
  after?: () => Promise<unknown>;
}

/** The same conversation at `size` messages, appended one message at a time four ways, in alternating blocks. */
async function appendRows(size: number, blocks: number, perBlock: number): Promise<{ rows: BenchRow[]; lines: string[] }> {
  const { created, stub } = await session(size);
  const bareName = `insert-${size}-${crypto.randomUUID()}`;
  const bare = BARE_INSERT.get(BARE_INSERT.idFromName(bareName));
  await bare.fill(size, text);
  const sdk = async (kind: "state" | "sql") => {
    const name = `sdk-${kind}-${size}-${crypto.randomUUID()}`;
    await (await getAgentByName(SDK_CHAT, name)).fill(kind, size, text);
    return { name, stub: SDK_CHAT.get(SDK_CHAT.idFromName(name)) };
  };
  const [sdkState, sdkSql] = [await sdk("state"), await sdk("sql")];
  const post = (path: string) => () => call(path, { method: "POST", body: text });
  const paths: AppendPath[] = [
    { label: "bare DO INSERT", stub: bare, append: post(`/bench/insert/${bareName}`) },
    {
      label: "ours: POST /events",
      stub,
      append: () =>
        call(`/v1/sessions/${created.id}/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "user.message", text }),
        }),
      // No device here, so the turn stays open and messages wait in the (bounded) inbox: emptied, untimed.
      after: () => runInDurableObject(stub, (_i, state) => state.storage.sql.exec("DELETE FROM inbox")),
    },
    { label: "Agents SDK setState", stub: sdkState.stub, append: post(`/bench/sdk-state/${sdkState.name}`) },
    { label: "Agents SDK this.sql", stub: sdkSql.stub, append: post(`/bench/sdk-sql/${sdkSql.name}`) },
  ];
  const bytesOf = (p: AppendPath) => runInDurableObject(p.stub, (_i, state) => storageBytes(state.storage.sql));
  const times = paths.map(() => [] as number[]);
  const before = await Promise.all(paths.map(bytesOf));
  for (let block = 0; block < blocks; block++) {
    for (const [i, path] of paths.entries()) {
      let total = 0;
      for (let n = 0; n < perBlock; n++) {
        const started = performance.now();
        const res = await path.append();
        total += performance.now() - started;
        if (res.status !== 201) throw new Error(`${path.label} answered ${res.status}: ${await res.text()}`);
        await path.after?.();
      }
      times[i]!.push(total / perBlock);
    }
  }
  const after = await Promise.all(paths.map(bytesOf));
  const appended = blocks * perBlock;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
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
    ...(await wakeRows(10, 100, "A/A: evicted echo object vs another, 10 rows", true)),
    ...(await wakeRows(10, 100, "warm (no eviction): session POST /events vs echo object, 10 rows", false, false)),
    ...(await wakeRows(10, 100, "wake: evicted session (POST /events) vs echo object, 10 rows")),
    ...(await wakeRows(10_000, 100, "wake: evicted session (POST /events) vs echo object, 10,000 rows")),
  ];
  const { created } = await session(10);
  const bare: number[] = [];
  const ours: number[] = [];
  for (let block = 0; block < 2; block++) {
    bare.push(await sustained(`/bench/insert/sustained-${block}`, 16, 5000));
    ours.push(await sustained(`/bench/intake/${created.id}`, 16, 5000));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  rows.push({
    name: "sustained intake, 16 clients × 5 s: session (data-only trigger event) vs one INSERT",
    unit: "events/s",
    baseline: mean(bare),
    measured: mean(ours),
    target: "≥ 0.8",
  });
  printTable("Session vs bare Durable Objects (same workerd run, alternating; ratio = median of pairs)", "bare DO", "session", rows);
});

it("a conversation appended message by message: ours, a bare DO, and the Cloudflare Agents SDK", async () => {
  const rows: BenchRow[] = [];
  const lines: string[] = [];
  for (const size of [10, 1_000, 10_000]) {
    const result = await appendRows(size, 10, 50);
    rows.push(...result.rows);
    lines.push(...result.lines);
  }
  printTable("Conversation append (baseline: a bare DO doing one INSERT, same run, alternating blocks)", "bare DO", "measured", rows);
  // setState writes its whole state row again on every append: its largest row is what each append writes.
  console.log(lines.join("\n"));
});
