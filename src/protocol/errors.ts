/** Stable, machine-readable error codes shared by the worker, the web client and tests. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  unknown_event_type: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  approval_already_decided: 409,
  operation_not_pending: 409,
  lease_mismatch: 409,
  consent_not_pending: 409,
  out_of_order: 409,
  model_mismatch: 409,
  consent_required: 403,
  hosted_not_allowed: 403,
  payload_too_large: 413,
  inbox_full: 429,
  rate_limited: 429,
  malformed_model_output: 422,
  idempotency_key_reused: 422,
  session_not_initialized: 404,
  internal: 500,
  misconfigured: 500,
  provider_failed: 502,
  provider_unavailable: 503,
  provider_timeout: 504,
  queue_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  /** `retryAfter`: seconds after which the same request may succeed (also the `Retry-After` header). */
  error: { code: ErrorCode; message: string; retryAfter?: number };
}

/** The one error type that crosses module and wire boundaries: status + code + message. */
export class DormantError extends Error {
  override readonly name = "DormantError";
  readonly code: ErrorCode;
  readonly status: number;
  /** Overload refusals (429, 503) say when to come back, in whole seconds. */
  readonly retryAfter: number | undefined;
  // No parameter properties here: Node runs src/protocol with type stripping only.
  constructor(code: ErrorCode, message: string, retryAfter?: number) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfter = retryAfter === undefined ? undefined : Math.max(1, Math.ceil(retryAfter));
  }

  toBody(): ErrorBody {
    const { code, message, retryAfter } = this;
    return { error: retryAfter === undefined ? { code, message } : { code, message, retryAfter } };
  }
}
