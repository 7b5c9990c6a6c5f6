/** Stable codes for what the browser half can fail with; apps branch on `code`, never on text. */
export type ClientErrorCode =
  | "quota_exceeded"
  | "integrity_mismatch"
  | "offline"
  /** Files this device had cached are gone (the browser evicted them, or the user cleared them). */
  | "cache_cleared"
  /** Model files are missing and the person has not chosen to download them (EngineOptions.download "ask"). */
  | "download_needed"
  | "download_failed"
  | "manifest_invalid"
  | "device_unavailable"
  | "device_lost"
  | "model_load_failed"
  | "generation_failed"
  | "engine_unloaded"
  | "connection_closed"
  | "request_refused"
  /** The session is overloaded (its inbox is full): the same request may succeed after `retryAfterMs`. */
  | "session_busy"
  /** The app gave the element no session: its token provider or endpoint failed or is missing. */
  | "no_session";

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  readonly retryAfterMs: number | undefined;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = "ClientError";
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }

  toJSON(): { code: ClientErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Errors cross the worker boundary as plain objects; this restores the class on the other side. */
export function toClientError(value: unknown, fallback: ClientErrorCode): ClientError {
  if (value instanceof ClientError) return value;
  if (typeof value === "object" && value !== null && "code" in value && "message" in value) {
    return new ClientError(value.code as ClientErrorCode, String(value.message));
  }
  return new ClientError(fallback, value instanceof Error ? value.message : String(value), { cause: value });
}
