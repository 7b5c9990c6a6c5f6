import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { repositoryInputs } from "../../bench/rdr/inputs.ts";
import { buildRecord, type RecordInputs } from "../../bench/rdr/record.ts";
import { renderRecord } from "../../bench/rdr/render.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const render = (inputs: RecordInputs) => renderRecord(buildRecord(inputs, null));

it("the committed record is what npm run rdr makes of the committed inputs, and it finds no violation in them", async () => {
  const inputs = await repositoryInputs();
  expect(await readFile(join(ROOT, "decisions", "runtime-decision-record.md"), "utf8")).toBe(render(inputs));
  expect(buildRecord(inputs, null).violations).toEqual([]);
  expect(buildRecord(inputs, null).answers.map((a) => a.question)).toEqual([
    "Cold start",
    "Execution duration",
    "Ephemeral storage",
    "Concurrency and quota",
    "Checkpoint location",
    "Cost under burst",
  ]);
});

it("changes when wrangler.toml, the lock or the bench results change", async () => {
  const inputs = await repositoryInputs();
  const base = render(inputs);
  expect(inputs.wranglerToml).toMatch(/^max_batch_size = 25$/m);
  const toml = render({ ...inputs, wranglerToml: inputs.wranglerToml.replace(/^max_batch_size = 25$/m, "max_batch_size = 100") });
  expect(toml).not.toBe(base);
  expect(toml).toContain("in batches of 100");
  const lock = render({
    ...inputs,
    lock: { ...inputs.lock, platform: { ...inputs.lock.platform, compatibilityDate: "2027-01-01", workerd: "9.99999999.0" } },
  });
  expect(lock).toContain(`compatibility date 2027-01-01, wrangler ${inputs.lock.platform.wrangler}, workerd 9.99999999.0`);
  const slower = structuredClone(inputs.bench);
  const append = slower.sections.flatMap((s) => s.rows).find((r) => r.name === "ours: POST /events vs bare INSERT, 10,000 messages");
  expect(append, "bench/results/latest.json has the append row (npm run bench)").toBeDefined();
  append!.measured *= 3;
  const bench = render({ ...inputs, bench: slower });
  expect(bench).not.toBe(base);
  expect(bench).toContain(`one append: ${append!.measured.toFixed(2)} ms/append`);
});

it("flags a planted violation of each kind", async () => {
  const inputs = await repositoryInputs();
  const bench = structuredClone(inputs.bench);
  bench.sections[0]!.rows.push({
    name: "ours: POST /events: largest row, 10,000 messages",
    unit: "B",
    baseline: 75,
    measured: 1_500_000,
    target: "< 2 MB",
  });
  const manifest = structuredClone(inputs.manifest);
  for (const v of manifest.models[0]!.variants) v.estimatedPeakBytes = 900 * 2 ** 20;
  const planted = buildRecord(
    {
      ...inputs,
      bench,
      manifest,
      wranglerToml: `${inputs.wranglerToml}\n[ai]\nbinding = "AI"\n`,
      lock: { ...inputs.lock, policy: { ...inputs.lock.policy, providers: ["local"] } },
      tools: [...inputs.tools, { name: "render_video", maxDurationMs: 20 * 60_000 }],
    },
    null,
  );
  expect(planted.violations.map((v) => v.rule)).toEqual([
    "a state row can approach 2 MB",
    "a model larger than the device budget",
    "a tool whose declared max duration exceeds the platform limit",
    "a hosted provider without a consent path",
  ]);
  expect(planted.violations[2]!.detail).toMatch(/^render_video: up to 1200 s a call; an alarm runs 15 min at most/);
  expect(planted.violations[3]!.detail).toMatch(/^workers-ai is configured but no policy can name it/);
});

it("npm run rdr runs offline from the files alone and prices a burst by part", async () => {
  const out = await mkdtemp(join(tmpdir(), "dormant-rdr-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["bench/rdr/cli.ts", "--burst", "50", "--sessions", "10000", "--out", out],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/6 questions, 0 violations, \d+\.\d\d USD\/month at 50 events\/s/);
    const record = JSON.parse(await readFile(join(out, "runtime-decision-record.json"), "utf8")) as ReturnType<typeof buildRecord>;
    expect(record.cost!.lines.map((l) => l.item.split(" (")[0])).toEqual([
      "Workers plan",
      "Worker requests",
      "Durable Object requests",
      "Durable Object duration",
      "SQLite rows written",
      "SQLite storage",
      "Hosted inference",
    ]);
    // 50 events/s for an hour a day over 30 days; a million requests included, then 0.15 USD a million.
    const requests = record.cost!.lines[2]!;
    expect(requests.quantity).toBe(50 * 3600 * 30);
    expect(requests.cost).toBeCloseTo(((50 * 3600 * 30 - 1e6) / 1e6) * 0.15, 6);
    expect(record.cost!.total).toBeCloseTo(
      record.cost!.lines.reduce((sum, l) => sum + l.cost, 0),
      6,
    );
    expect(await readFile(join(out, "runtime-decision-record.md"), "utf8")).toContain(
      "## Cost under burst: 50 events/s for 1 h a day, 10,000 sessions",
    );
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
