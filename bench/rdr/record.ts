import type { DormantLock, ModelManifest } from "../../src/protocol/index.ts";
import type { BenchResults, KeptSection } from "../reporter.ts";
import type { BenchRow } from "../table.ts";
import { type Burst, type CostLine, monthlyCost, type Prices } from "./cost.ts";

/** Everything the record is generated from: files in the repository, read offline. */
export interface RecordInputs {
  wranglerToml: string;
  lock: DormantLock;
  manifest: ModelManifest;
  bench: BenchResults;
  prices: Prices;
  /** The session's bounds (src/session/limits.ts, the session defaults). */
  limits: { leaseTimeoutSeconds: number; maxInbox: number; inboxRetryAfterS: number; tenantPerMinute: number; tenantInFlight: number };
  /** A device's memory budget: the share of `navigator.deviceMemory` the engine plans with (web/engine/ladder.ts). */
  device: { memoryShare: number; lowEndMemoryBytes: number };
  /** Each tool's declared longest call (src/tools), and how long the session lets a tool go without progress. */
  tools: { name: string; maxDurationMs: number }[];
  toolWatchdogSeconds: number;
}

/** One placement question, answered the same four ways. */
export interface Answer {
  question: string;
  constraint: string;
  assumption: string;
  measured: string;
  tradeoff: string;
}

export interface Violation {
  rule: string;
  detail: string;
}

export interface RuntimeDecisionRecord {
  generatedFrom: {
    compatibilityDate: string;
    wrangler: string;
    workerd: string;
    protocol: number;
    runtime: string;
    bench: string;
    prices: string;
  };
  where: { control: string; execution: string; data: string; evidence: string };
  answers: Answer[];
  violations: Violation[];
  cost: { burst: Burst; lines: CostLine[]; total: number } | null;
}

/** The platform's limits this record checks against (Cloudflare's published limits). */
export const PLATFORM = {
  maxRowBytes: 2_000_000,
  doCpuPerRequestMs: 30_000,
  doStoragePerObjectBytes: 10e9,
  /** Wall time of one alarm invocation: a tool resumed after a crash runs inside one. */
  alarmWallMs: 15 * 60_000,
} as const;

function row(bench: BenchResults, name: string): (BenchRow & { section: KeptSection }) | null {
  for (const section of bench.sections) {
    const found = section.rows.find((r) => r.name === name);
    if (found) return { ...found, section };
  }
  return null;
}

const fmt = (value: number, unit: string) => `${value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(2)} ${unit}`;

/** "measured X unit (baseline Y, ratio Z)" for a bench row, or why there is no figure. */
function measured(bench: BenchResults, name: string, what = name): string {
  const found = row(bench, name);
  if (!found) return `${what}: not measured (run npm run bench)`;
  const ratio = found.ratio ?? found.measured / found.baseline;
  return `${what}: ${fmt(found.measured, found.unit)} (${found.section.baselineLabel} ${fmt(found.baseline, found.unit)}, ratio ${ratio.toFixed(2)}; ${found.section.machine.split(",")[0]}, ${found.section.measuredAt.slice(0, 10)})`;
}

/** Providers a deployment configures (an `[ai]` binding, or vars naming an endpoint), by policy id. */
function configuredProviders(toml: string): string[] {
  const providers: string[] = [];
  if (/^\[ai\]\s*$/m.test(toml)) providers.push("workers-ai");
  if (/^OPENAI_BASE_URL\s*=/m.test(toml)) providers.push("openai-compatible");
  if (/^LOCAL_INFERENCE_URL\s*=/m.test(toml)) providers.push("local");
  return providers;
}

/** A top-level `key = value` of the first table that sets it (enough for the settings read here). */
function tomlNumber(toml: string, key: string): number | null {
  const match = new RegExp(`^${key}\\s*=\\s*(\\d+)`, "m").exec(toml);
  return match ? Number(match[1]) : null;
}

function violations(input: RecordInputs): Violation[] {
  const found: Violation[] = [];
  for (const section of input.bench.sections) {
    for (const r of section.rows) {
      if (r.name.startsWith("ours") && r.name.includes("largest row") && r.measured >= PLATFORM.maxRowBytes / 2) {
        found.push({
          rule: "a state row can approach 2 MB",
          detail: `${r.name}: ${fmt(r.measured, "B")} (limit ${PLATFORM.maxRowBytes.toLocaleString("en")} B)`,
        });
      }
    }
  }
  const budget = input.device.lowEndMemoryBytes * input.device.memoryShare;
  for (const model of input.manifest.models) {
    const smallest = Math.min(...model.variants.map((v) => v.estimatedPeakBytes));
    if (smallest > budget) {
      found.push({
        rule: "a model larger than the device budget",
        detail: `${model.id}: smallest variant peaks at ${fmt(smallest / 2 ** 20, "MiB")}, a low-end device budgets ${fmt(budget / 2 ** 20, "MiB")}`,
      });
    }
  }
  for (const tool of input.tools) {
    const limit = Math.min(PLATFORM.alarmWallMs, input.toolWatchdogSeconds * 1000);
    if (tool.maxDurationMs > limit) {
      found.push({
        rule: "a tool whose declared max duration exceeds the platform limit",
        detail: `${tool.name}: up to ${tool.maxDurationMs / 1000} s a call; an alarm runs ${PLATFORM.alarmWallMs / 60_000} min at most and the session's watchdog checks on a tool after ${input.toolWatchdogSeconds} s`,
      });
    }
  }
  const consented = new Set(input.lock.policy.providers);
  for (const provider of configuredProviders(input.wranglerToml)) {
    if (!consented.has(provider)) {
      found.push({
        rule: "a hosted provider without a consent path",
        detail: `${provider} is configured but no policy can name it (lock policy providers: ${[...consented].join(", ")})`,
      });
    }
  }
  return found;
}

export function buildRecord(input: RecordInputs, burst: Burst | null): RuntimeDecisionRecord {
  const { bench, lock, limits } = input;
  const latest =
    bench.sections
      .map((s) => s.measuredAt)
      .sort()
      .at(-1) ?? "never";
  const model = input.manifest.models[0]!;
  const q8 = model.variants.find((v) => v.dtype === "q8") ?? model.variants[0]!;
  const answers: Answer[] = [
    {
      question: "Cold start",
      constraint: "A Durable Object is evicted when idle and rebuilt on its next event; a browser tab starts its engine on every visit.",
      assumption:
        "Waking reads the meta row only (projections, no journal replay); the device keeps its files in Cache Storage and verifies them on every load.",
      measured: [
        measured(bench, "wake to an append: session POST /events vs bare INSERT, 10,000 rows, mean", "wake to an append at 10,000 rows"),
        measured(bench, "warm start, wasm q8 (raw transformers.js → engine)", "device warm start (q8)"),
      ].join("; "),
      tradeoff: "Every load hashes every file (integrity over ~0.1 s); cold-start phases are journaled per wake and per first device step.",
    },
    {
      question: "Execution duration",
      constraint: `A Durable Object request may use ${PLATFORM.doCpuPerRequestMs / 1000} s of CPU; waiting holds no compute only when the object can hibernate.`,
      assumption: `Inference runs on the device or at a hosted provider, never on the object's CPU; a leased step waits ${limits.leaseTimeoutSeconds} s on an alarm, hibernated; approvals wait as rows. Tools declare their longest call (${input.tools.map((t) => `${t.name} ${t.maxDurationMs / 1000} s`).join(", ")}), within the ${input.toolWatchdogSeconds} s watchdog and the ${PLATFORM.alarmWallMs / 60_000} min an alarm may run.`,
      measured: [
        measured(bench, "ours: POST /events vs bare INSERT, 10,000 messages", "one append"),
        measured(bench, "time to first hosted token, local model (median)", "first hosted token after a device failure"),
      ].join("; "),
      tradeoff: "A hosted call keeps the object awake for its duration (billed); a device step costs the object nothing while it runs.",
    },
    {
      question: "Ephemeral storage",
      constraint: `Durable Object SQLite storage is durable (${PLATFORM.doStoragePerObjectBytes / 1e9} GB per object, rows ≤ 2 MB); Cache Storage in a browser may be evicted at any time.`,
      assumption: `Nothing the session needs lives only in memory; the device's model files (${fmt(model.files.reduce((s, f) => s + f.bytes, 0) / 2 ** 20, "MiB")} across variants) are a cache the engine can download again, with the person's consent.`,
      measured: [
        measured(bench, "ours: POST /events: storage per message, 10,000 messages", "journal growth per message"),
        measured(bench, "ours: POST /events: largest row, 10,000 messages", "largest row"),
      ].join("; "),
      tradeoff: "The journal is never pruned (the audit trail); only idempotency keys and ended consents expire.",
    },
    {
      question: "Concurrency and quota",
      constraint: "One Durable Object runs one event at a time; every request to it is billed.",
      assumption: `A session takes ${limits.maxInbox} waiting messages, then answers 429 with Retry-After ${limits.inboxRetryAfterS} s; each tenant ${limits.tenantPerMinute}/min and ${limits.tenantInFlight} in flight by default; trigger events reach sessions through a queue in batches of ${tomlNumber(input.wranglerToml, "max_batch_size") ?? "(unset)"}, Cloudflare redelivering up to ${tomlNumber(input.wranglerToml, "max_retries") ?? "(unset)"} times.`,
      measured: measured(
        bench,
        "sustained intake, 16 clients × 5 s: session (data-only trigger event) vs one INSERT",
        "sustained intake into one session",
      ),
      tradeoff: "Per-session order and exactly-once journaling over raw throughput; load spreads across sessions, not within one.",
    },
    {
      question: "Checkpoint location",
      constraint: "A Durable Object's writes are durable before its answer leaves (the output gate); a browser's storage is not durable.",
      assumption:
        "Every step is a journal row committed in the transaction that changes the projections; the browser holds only an outbox of unsent messages and a verified file cache.",
      measured: measured(bench, "journal.append, own tx (200 blocks × 100)", "a journal append at step 10,000"),
      tradeoff:
        "A retry after a crash never repeats an external effect blindly: an effect whose outcome is unknown is journaled effect_uncertain and asks.",
    },
    {
      question: "Cost under burst",
      constraint: "Requests and active duration are billed; a hibernated object costs storage only.",
      assumption: `Per user event: one Worker request, one object request, the measured append time as active duration at ${input.prices.durableObjects.memoryGb * 1000} MB, two rows written; the device computes for free (model ${q8.dtype} peaks at ${fmt(q8.estimatedPeakBytes / 2 ** 20, "MiB")}).`,
      measured: burst
        ? `see the cost table (${burst.eventsPerSecond} events/s, ${burst.sessions} sessions)`
        : "run `npm run rdr -- --burst <events/s> --sessions <n>`",
      tradeoff: "Hosted inference is the variable cost; it runs only with a recorded consent, so it is bounded by the people who agree.",
    },
  ];
  const cost = burst
    ? monthlyCost(
        input.prices,
        burst,
        row(bench, "ours: POST /events vs bare INSERT, 10,000 messages")?.measured ?? null,
        row(bench, "ours: POST /events: storage per message, 10,000 messages")?.measured ?? null,
      )
    : null;
  return {
    generatedFrom: {
      compatibilityDate: lock.platform.compatibilityDate,
      wrangler: lock.platform.wrangler,
      workerd: lock.platform.workerd,
      protocol: lock.protocol,
      runtime: lock.runtime,
      bench: latest,
      prices: input.prices.read,
    },
    where: {
      control: "Cloudflare Workers (Hono API) and one SQLite-backed Durable Object per session",
      execution:
        "inference on the person's device (WebGPU or WASM) or, with consent, a hosted provider; tools inside the session's Durable Object",
      data: "the session's journal and projections in its Durable Object; model and runtime files in the browser's Cache Storage, pinned by dormant.lock.json",
      evidence: "the journal (every row stamped with runtime, protocol, policy and model) and GET /v1/sessions/:id/evidence",
    },
    answers,
    violations: violations(input),
    cost,
  };
}
