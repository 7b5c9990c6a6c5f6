import { canonicalJson } from "./canonical.ts";
import { sha256Hex } from "./digest.ts";
import { DormantError } from "./errors.ts";
import { requireRecord, requireString } from "./validate.ts";

/** Largest request body any endpoint accepts; bigger bodies are refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;
/** An Idempotency-Key (or a webhook's delivery id): 1-200 printable ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** Largest user message, in characters. */
export const MAX_MESSAGE_CHARS = 16_000;

/** An optional `text` (what the agent is asked): a non-empty message, or null when absent. */
export function optionalText(obj: Record<string, unknown>): string | null {
  const text = obj.text ?? null;
  if (text !== null && (typeof text !== "string" || text.length === 0 || text.length > MAX_MESSAGE_CHARS)) {
    throw new DormantError("invalid_request", `"text" must be a string of 1-${MAX_MESSAGE_CHARS} characters`);
  }
  return text;
}

/** Events a client may append to a session (over HTTP or the WebSocket). */
export type ClientEvent = { type: "user.message"; text: string };

export const CLIENT_EVENT_TYPES: readonly ClientEvent["type"][] = ["user.message"];

export function parseClientEvent(value: unknown): ClientEvent {
  const obj = requireRecord(value, "event");
  const type = obj.type;
  if (typeof type !== "string") throw new DormantError("invalid_request", '"type" must be a string');
  switch (type) {
    case "user.message":
      return { type, text: requireString(obj, "text", { max: MAX_MESSAGE_CHARS }) };
    default:
      throw new DormantError(
        "unknown_event_type",
        `unknown event type "${type.slice(0, 64)}"; expected one of: ${CLIENT_EVENT_TYPES.join(", ")}`,
      );
  }
}

/**
 * What an Idempotency-Key is bound to: the event's meaning (canonical JSON of the parsed event),
 * not its bytes, so the same request re-serialised, or sent over the other channel, matches.
 */
export function eventFingerprint(event: ClientEvent): Promise<string> {
  return sha256Hex(canonicalJson(event));
}
