import {
  HOSTED_PREFIX,
  type JournalEntry,
  type Json,
  type Receipt,
  type StepEvidence,
  type StepRuntime,
  stepEvidence,
} from "../../src/protocol/index.ts";

/** Where a message was computed: the badge every assistant message carries. */
export type MessageOrigin =
  | { kind: "device"; model: string; backend: StepRuntime["backend"] | null; dtype: StepRuntime["dtype"] | null }
  /** `model` is `<provider>/<model>`; `consentId` the grant it ran under. */
  | { kind: "hosted"; model: string; consentId: string | null }
  | { kind: "tool"; tool: string }
  /** A user turn an event started: a webhook, a schedule or a cron tick (`name`: which one). */
  | { kind: "trigger"; source: string; name: string };

export interface TranscriptMessage {
  seq: number;
  role: "user" | "assistant" | "tool";
  text: string;
  opKey: string | null;
  origin: MessageOrigin | null;
  /** For an answer or a tool result: how its step ran, from the journal (evidence.ts). */
  evidence?: StepEvidence;
}

const field = (payload: Json, key: string): Json | undefined =>
  typeof payload === "object" && payload !== null && !Array.isArray(payload) ? payload[key] : undefined;
const text = (value: Json | undefined): string => (typeof value === "string" ? value : JSON.stringify(value ?? null));

const receiptOf = (payload: Json): Receipt | null => (field(payload, "receipt") ?? null) as Receipt | null;

/** The session's receipt says where a step ran; hosted models are stamped `hosted:<provider>/<model>`. */
function originOf(model: Json | undefined, runtime: StepRuntime | null, receipt: Receipt | null): MessageOrigin | null {
  if (typeof model !== "string") return null;
  if (receipt?.ranOn === "hosted" || model.startsWith(HOSTED_PREFIX)) {
    return { kind: "hosted", model: model.replace(HOSTED_PREFIX, ""), consentId: receipt?.consentId ?? null };
  }
  return { kind: "device", model, backend: runtime?.backend ?? null, dtype: runtime?.dtype ?? null };
}

/** Why a turn got no answer, in words for the person reading (the session's message follows). */
const FAILURE_WORDS: Record<string, string> = {
  provider_unavailable: "The hosted model is not answering right now; Dormant stopped asking it for a while. Try again shortly.",
  provider_timeout: "The hosted model took too long to answer.",
  provider_failed: "The hosted model failed to answer.",
  too_many_steps: "This request took more steps than one turn may take.",
  malformed_model_output: "The model's answer could not be read.",
};

function failedTurnText(code: Json | undefined, message: Json | undefined): string {
  const words = typeof code === "string" ? FAILURE_WORDS[code] : undefined;
  return `No answer: ${words ?? "the turn failed."} (${text(message)})`;
}

/** The conversation as a reader sees it, folded from journal rows (idempotent per seq). */
export class Transcript {
  readonly messages: TranscriptMessage[] = [];
  /** step.completed runtime by opKey: the assistant message of the same step takes its backend. */
  private readonly runtimes = new Map<string, StepRuntime | null>();
  /** trigger.received / schedule.fired rows by seq: the user turn they start names them. */
  private readonly triggers = new Map<number, MessageOrigin>();
  /** Each step's journal rows so far, by opKey: what its evidence is folded from. */
  private readonly steps = new Map<string, JournalEntry[]>();
  private seen = 0;

  /** Returns the messages this batch added. */
  apply(entries: JournalEntry[]): TranscriptMessage[] {
    const added: TranscriptMessage[] = [];
    for (const entry of entries) {
      if (entry.seq <= this.seen) continue;
      this.seen = entry.seq;
      if (entry.opKey !== null && entry.type.startsWith("step.")) {
        const rows = this.steps.get(entry.opKey);
        if (rows) rows.push(entry);
        else this.steps.set(entry.opKey, [entry]);
      }
      const message = this.withEvidence(this.fold(entry));
      if (message) {
        this.messages.push(message);
        added.push(message);
      }
    }
    return added;
  }

  private withEvidence(message: TranscriptMessage | null): TranscriptMessage | null {
    if (!message || message.role === "user" || message.opKey === null) return message;
    const [evidence] = stepEvidence(this.steps.get(message.opKey) ?? []);
    return evidence ? { ...message, evidence } : message;
  }

  private fold(entry: JournalEntry): TranscriptMessage | null {
    const { payload, opKey, seq } = entry;
    switch (entry.type) {
      case "trigger.received":
      case "schedule.fired":
        this.triggers.set(seq, {
          kind: "trigger",
          source: entry.type === "schedule.fired" ? "schedule" : text(field(payload, "source")),
          name: text(field(payload, "name")),
        });
        return null;
      case "user.message": {
        const trigger = field(payload, "trigger");
        const origin = typeof trigger === "number" ? (this.triggers.get(trigger) ?? null) : null;
        return { seq, role: "user", text: text(field(payload, "text")), opKey, origin };
      }
      case "assistant.message":
        return {
          seq,
          role: "assistant",
          text: text(field(payload, "text")),
          opKey,
          origin: originOf(field(payload, "model"), this.runtimes.get(opKey ?? "") ?? null, receiptOf(payload)),
        };
      case "step.completed": {
        const runtime = (field(payload, "runtime") ?? null) as StepRuntime | null;
        if (opKey) this.runtimes.set(opKey, runtime);
        const call = field(payload, "toolCall");
        if (call !== undefined)
          return {
            seq,
            role: "assistant",
            text: `→ ${text(call)}`,
            opKey,
            origin: originOf(field(payload, "model"), runtime, receiptOf(payload)),
          };
        const result = field(payload, "result");
        return result === undefined ? null : { seq, role: "tool", text: text(result), opKey, origin: { kind: "tool", tool: opKey ?? "" } };
      }
      case "turn.failed":
        return { seq, role: "assistant", text: failedTurnText(field(payload, "code"), field(payload, "message")), opKey, origin: null };
      default:
        return null;
    }
  }
}
