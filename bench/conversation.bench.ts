import { runInDurableObject } from "cloudflare:test";
import { getAgentByName } from "agents";
import { it } from "vitest";
import { bareTarget, call, SDK_CHAT, session, sessionTarget, type Target, text } from "./server-targets.ts";
import { type BenchRow, mean, median, reportRows } from "./table.ts";

// One conversation appended message by message at three sizes: ours (over HTTP and over RPC), a
// bare Durable Object, and the Cloudflare Agents SDK (setState and this.sql), in one workerd run.

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
async function appendRows(size: number, blocks: number, perBlock: number): Promise<{ rows: BenchRow[]; storage: BenchRow[] }> {
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
  // Against the bare object: bytes of table values each message adds, and the largest row (what a
  // write has to carry; setState writes its whole state row again on every append).
  const grown = (i: number) => (after[i]!.bytes - before[i]!.bytes) / appended;
  const storage = paths.slice(1).flatMap((path, i) => [
    {
      name: `${path.label}: storage per message, ${size.toLocaleString("en")} messages`,
      unit: "B",
      baseline: grown(0),
      measured: grown(i + 1),
      target: "report",
    },
    {
      name: `${path.label}: largest row, ${size.toLocaleString("en")} messages`,
      unit: "B",
      baseline: after[0]!.largestRow,
      measured: after[i + 1]!.largestRow,
      target: "< 2 MB",
    },
  ]);
  return { rows, storage };
}

it("a conversation appended message by message: ours, a bare DO, and the Cloudflare Agents SDK", async () => {
  const rows: BenchRow[] = [];
  const storage: BenchRow[] = [];
  for (const size of [10, 1_000, 10_000]) {
    const result = await appendRows(size, 10, 50);
    rows.push(...result.rows);
    storage.push(...result.storage);
  }
  reportRows("Conversation append (baseline: a bare DO doing one INSERT, same run, alternating blocks)", "bare DO", "measured", rows);
  reportRows("Conversation storage (table values; baseline: the bare DO with the same messages)", "bare DO", "measured", storage);
});
