import type { ChatMessage } from "./chat-format.ts";
import {
  type ConsentDecision,
  type DeviceUnavailableReason,
  parseConsentDecision,
  parseConsentId,
  parseUnavailableReason,
} from "./consent.ts";
import { parseStepRuntime, type StepRuntime } from "./device.ts";
import { DormantError, type ErrorCode } from "./errors.ts";
import { parseClientEvent } from "./events.ts";
import type { JournalEntry } from "./journal.ts";
import type { ToolSpec } from "./operations.ts";
import type { ModelRelease } from "./release.ts";
import { optionalInt, parseJson, requireRecord, requireString } from "./validate.ts";

/** Largest WebSocket frame accepted from a client. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Sent by clients as a keep-alive; answered by the runtime without waking the session. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

export type ClientRole = "device" | "observer";

/** Frames a client sends. `ref` is echoed on the ack or error so a client can match replies. */
export type ClientFrame = {
  ref?: string;
} /** `device`: a client's stable id across reconnects; a newer socket with it retires older ones. */ & (
  | { type: "hello"; role: ClientRole; afterSeq: number; device: string | null }
  /** `idempotencyKey`: a message resent from a client's outbox is appended once. */
  | { type: "user.message"; text: string; idempotencyKey: string | null }
  /** Whether this device can serve inference now; `reason` says why not. */
  | { type: "device.status"; available: boolean; reason: DeviceUnavailableReason | null }
  | { type: "step.delta"; opKey: string; leaseId: string; text: string }
  /** `model`: the pin of the model that computed the step (`id@sha256:…`), stamped on its rows. */
  | { type: "step.complete"; opKey: string; leaseId: string; output: string; model: string; runtime: StepRuntime | null }
  /** `reason` is set when the device cannot serve at all (code `device_unavailable`). */
  | {
      type: "step.fail";
      opKey: string;
      leaseId: string;
      code: string;
      message: string;
      retryable: boolean;
      reason: DeviceUnavailableReason | null;
    }
  | { type: "approval.decide"; opKey: string; decision: "approve" | "reject" }
  | { type: "consent.decide"; opKey: string; decision: ConsentDecision }
  | { type: "consent.revoke"; consentId: string }
);

export interface LeaseOffer {
  type: "lease.offer";
  opKey: string;
  leaseId: string;
  deadline: number;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** The model the session runs (absent for sessions older than releases): compute with one of its pins. */
  model?: ModelRelease;
}

/** Frames the runtime sends. */
export type ServerFrame =
  | { type: "welcome"; sessionId: string; lastSeq: number; protocol: number }
  | { type: "journal"; entries: JournalEntry[] }
  | LeaseOffer
  | { type: "step.delta"; opKey: string; text: string }
  | { type: "ack"; ref: string | null; seq: number | null }
  /** `retryAfter`: the session is overloaded (`inbox_full`); the same frame may succeed after that many seconds. */
  | { type: "error"; ref: string | null; code: ErrorCode; message: string; retryAfter?: number };

const CLIENT_FRAME_TYPES: readonly ClientFrame["type"][] = [
  "hello",
  "user.message",
  "device.status",
  "step.delta",
  "step.complete",
  "step.fail",
  "approval.decide",
  "consent.decide",
  "consent.revoke",
];
const KEY = { max: 200 };
const MODEL_PIN = { max: 200 };

export function parseClientFrame(text: string): ClientFrame {
  if (text.length > MAX_FRAME_BYTES) throw new DormantError("payload_too_large", `frame exceeds ${MAX_FRAME_BYTES} bytes`);
  const obj = requireRecord(parseJson(text), "frame");
  const ref = obj.ref === undefined ? undefined : requireString(obj, "ref", { max: 64 });
  const base = ref === undefined ? {} : { ref };
  switch (obj.type) {
    case "hello": {
      const role = obj.role ?? "observer";
      if (role !== "device" && role !== "observer") throw new DormantError("invalid_request", '"role" must be device or observer');
      const afterSeq = optionalInt(obj, "afterSeq", { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 0;
      const device = obj.device === undefined || obj.device === null ? null : requireString(obj, "device", { max: 100 });
      return { ...base, type: "hello", role, afterSeq, device };
    }
    case "step.delta":
      return { ...base, type: "step.delta", ...lease(obj), text: requireString(obj, "text", { max: MAX_FRAME_BYTES, min: 0 }) };
    case "step.complete":
      return {
        ...base,
        type: "step.complete",
        ...lease(obj),
        output: requireString(obj, "output", { max: MAX_FRAME_BYTES, min: 0 }),
        model: requireString(obj, "model", MODEL_PIN),
        runtime: parseStepRuntime(obj.runtime),
      };
    case "step.fail":
      return {
        ...base,
        type: "step.fail",
        ...lease(obj),
        code: requireString(obj, "code", { max: 64 }),
        message: requireString(obj, "message", { max: 2000, min: 0 }),
        retryable: obj.retryable === true,
        reason: obj.reason === undefined || obj.reason === null ? null : parseUnavailableReason(obj.reason),
      };
    case "approval.decide": {
      if (obj.decision !== "approve" && obj.decision !== "reject")
        throw new DormantError("invalid_request", '"decision" must be approve or reject');
      return { ...base, type: "approval.decide", opKey: requireString(obj, "opKey", KEY), decision: obj.decision };
    }
    case "device.status": {
      if (typeof obj.available !== "boolean") throw new DormantError("invalid_request", '"available" must be a boolean');
      const reason = obj.available || obj.reason === undefined || obj.reason === null ? null : parseUnavailableReason(obj.reason);
      return { ...base, type: "device.status", available: obj.available, reason };
    }
    case "consent.decide":
      return { ...base, type: "consent.decide", opKey: requireString(obj, "opKey", KEY), decision: parseConsentDecision(obj) };
    case "consent.revoke":
      return { ...base, type: "consent.revoke", consentId: parseConsentId(obj) };
    case "user.message": {
      const idempotencyKey =
        obj.idempotencyKey === undefined || obj.idempotencyKey === null ? null : requireString(obj, "idempotencyKey", KEY);
      return { ...base, ...parseClientEvent(obj), idempotencyKey };
    }
    default:
      throw new DormantError(
        "unknown_event_type",
        `unknown frame type "${String(obj.type).slice(0, 64)}"; expected one of: ${CLIENT_FRAME_TYPES.join(", ")}`,
      );
  }
}

function lease(obj: Record<string, unknown>): { opKey: string; leaseId: string } {
  return { opKey: requireString(obj, "opKey", KEY), leaseId: requireString(obj, "leaseId", KEY) };
}
