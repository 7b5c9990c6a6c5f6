import { HOSTED_PREFIX } from "./consent.ts";
import type { ColdStart, StepRuntime } from "./device.ts";
import type { JournalEntry } from "./journal.ts";
import type { OperationStatus } from "./operations.ts";
import { isRecord } from "./validate.ts";

/**
 * What a reviewer asks of one step, drawn from the journal alone (the append-only record, not a
 * projection that could have drifted): where it ran, on what, under which policy and consent, how
 * long it took, and how it ended. `GET /v1/sessions/:id/evidence` serves it; the SDK can fold the
 * same rows itself.
 */
export interface StepEvidence {
  opKey: string;
  kind: "inference" | "tool";
  tool: string | null;
  /** `session`: a tool, run by the session's Durable Object itself. */
  ranOn: "device" | "hosted" | "session" | null;
  /** The device's client id, `hosted:<provider>`, or `session`. */
  holder: string | null;
  /** A device step's rung. */
  backend: string | null;
  dtype: string | null;
  /** The model pin (`id@sha256:…`) or the hosted model's name, as the answering row is stamped. */
  model: string | null;
  versions: { runtime: string; protocol: number; engine: StepRuntime["versions"] };
  policy: string;
  consentId: string | null;
  /** How many times it was taken (leased, or started for a tool): a device that released it counts. */
  attempts: number;
  status: OperationStatus;
  timings: {
    /** Scheduled → taken by a device, a provider or the session. */
    queuedMs: number | null;
    /** A device's load before this step (download, verify, compile, warm-up), when the step paid one. */
    coldStartMs: number | null;
    firstTokenMs: number | null;
    /** Scheduled → its final row. */
    totalMs: number | null;
  };
  /** The journal rows this is drawn from. */
  seqs: number[];
}

const ENDS: Partial<Record<JournalEntry["type"], OperationStatus>> = {
  "step.scheduled": "not_started",
  "step.retry": "not_started",
  "step.leased": "in_flight",
  "step.started": "in_flight",
  "step.completed": "committed",
  "step.failed": "failed",
  "step.effect_uncertain": "effect_uncertain",
};

const field = (entry: JournalEntry | undefined, key: string): unknown =>
  entry && isRecord(entry.payload) ? entry.payload[key] : undefined;
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

function coldStartMs(cold: ColdStart | null | undefined): number | null {
  if (!cold) return null;
  return cold.cacheLookupMs + cold.downloadMs + cold.verifyMs + cold.compileMs + cold.warmupMs;
}

function fold(opKey: string, rows: JournalEntry[]): StepEvidence {
  const scheduled = rows.find((r) => r.type === "step.scheduled");
  const taken = rows.findLast((r) => r.type === "step.leased" || r.type === "step.started");
  const last = rows.findLast((r) => ENDS[r.type] !== undefined);
  const answered = rows.findLast((r) => r.type === "step.completed" || r.type === "step.failed" || r.type === "step.effect_uncertain");
  const kind = field(scheduled, "kind") === "tool" ? "tool" : "inference";
  const runtime = field(answered, "runtime") as StepRuntime | null | undefined;
  const receipt = field(answered, "receipt");
  const holder = kind === "tool" ? "session" : text(field(taken, "holder"));
  const ranOn = kind === "tool" ? "session" : holder === null ? null : holder.startsWith(HOSTED_PREFIX) ? "hosted" : "device";
  const stamp = (answered ?? last ?? rows[0]!).stamp;
  const since = (entry: JournalEntry | undefined) => (scheduled && entry ? entry.at - scheduled.at : null);
  return {
    opKey,
    kind,
    tool: text(field(scheduled, "tool")),
    ranOn,
    holder,
    backend: runtime?.backend ?? null,
    dtype: runtime?.dtype ?? null,
    model: stamp.model ?? text(field(taken, "model")),
    versions: { runtime: stamp.runtime, protocol: stamp.protocol, engine: stamp.engine ?? runtime?.versions ?? null },
    policy: stamp.policy,
    consentId: text(isRecord(receipt) ? receipt.consentId : undefined) ?? text(field(taken, "consentId")),
    attempts: rows.filter((r) => r.type === "step.leased" || r.type === "step.started").length,
    status: last ? ENDS[last.type]! : "not_started",
    timings: {
      queuedMs: since(taken),
      coldStartMs: coldStartMs(runtime?.coldStart),
      firstTokenMs:
        runtime?.coldStart?.firstTokenMs ??
        (typeof field(answered, "firstTokenMs") === "number" ? (field(answered, "firstTokenMs") as number) : null),
      totalMs: answered ? since(answered) : null,
    },
    seqs: rows.map((r) => r.seq),
  };
}

/** Every step in `entries` (a session's journal, oldest first), in the order they were scheduled. */
export function stepEvidence(entries: JournalEntry[]): StepEvidence[] {
  const byOp = new Map<string, JournalEntry[]>();
  for (const entry of entries) {
    if (entry.opKey === null || ENDS[entry.type] === undefined) continue;
    const rows = byOp.get(entry.opKey);
    if (rows) rows.push(entry);
    else byOp.set(entry.opKey, [entry]);
  }
  return [...byOp].map(([opKey, rows]) => fold(opKey, rows));
}
