import type { ChatMessage } from "./chat-format.ts";
import type { ConsentGrant } from "./consent.ts";
import { DormantError } from "./errors.ts";
import type { OperationView, UncertainResolution } from "./operations.ts";
import { type DataPolicy, type ProviderId, parseDataPolicy } from "./policy.ts";
import type { ModelRelease } from "./release.ts";
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, parseTokenRole, type TokenRole } from "./roles.ts";
import { optionalBoolean, optionalInt, requireRecord } from "./validate.ts";

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const SESSION_ID_PATTERN = /^[0-9a-f]{64}$/;

export interface SessionOptions {
  tenant: string;
  /** How long an approval may wait before its alarm expires it. */
  approvalTimeoutSeconds: number;
  /** How long a device holds an inference lease before the step is offered again. */
  leaseTimeoutSeconds: number;
  /** The app's data policy: may steps run hosted, where, with which data. */
  policy: DataPolicy;
  /**
   * Whether a `device` token may decide approvals (and uncertain effects) itself. Default false:
   * the device that proposed an external effect cannot also approve it; an `approver` must.
   */
  selfApproval: boolean;
  /** How long a runnable or running tool may go without progress before the alarm checks on it. */
  toolWatchdogSeconds: number;
}

export const SESSION_DEFAULTS = {
  approvalTimeoutSeconds: 24 * 3600,
  leaseTimeoutSeconds: 120,
  selfApproval: false,
  toolWatchdogSeconds: 60,
} as const;

export function parseSessionOptions(value: unknown): SessionOptions {
  const obj = requireRecord(value ?? {}, "body");
  const tenant = obj.tenant ?? "default";
  if (typeof tenant !== "string" || !TENANT_PATTERN.test(tenant)) {
    throw new DormantError("invalid_request", '"tenant" must match [a-z0-9][a-z0-9-]{0,62}');
  }
  return {
    tenant,
    approvalTimeoutSeconds:
      optionalInt(obj, "approvalTimeoutSeconds", { min: 1, max: 30 * 24 * 3600 }) ?? SESSION_DEFAULTS.approvalTimeoutSeconds,
    leaseTimeoutSeconds: optionalInt(obj, "leaseTimeoutSeconds", { min: 1, max: 3600 }) ?? SESSION_DEFAULTS.leaseTimeoutSeconds,
    policy: parseDataPolicy(obj.policy),
    selfApproval: optionalBoolean(obj, "selfApproval") ?? SESSION_DEFAULTS.selfApproval,
    toolWatchdogSeconds: optionalInt(obj, "toolWatchdogSeconds", { min: 1, max: 3600 }) ?? SESSION_DEFAULTS.toolWatchdogSeconds,
  };
}

/** A capability token as the API hands it out. */
export interface IssuedToken {
  token: string;
  role: TokenRole;
  /** The token's id, for `DELETE /v1/sessions/:id/tokens/:jti`. */
  jti: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** `token` is a `device` token: the app's backend mints `viewer` and `approver` tokens itself. */
export interface SessionCreated extends IssuedToken {
  id: string;
  tenant: string;
  policy: DataPolicy;
}

/** `POST /v1/sessions/:id/tokens` (with the app key): a token of `role` for `ttlSeconds`. */
export function parseTokenRequest(value: unknown): { role: TokenRole; ttlSeconds: number } {
  const obj = requireRecord(value ?? {}, "body");
  const ttlSeconds = optionalInt(obj, "ttlSeconds", { min: 60, max: MAX_TOKEN_TTL_SECONDS }) ?? DEFAULT_TOKEN_TTL_SECONDS;
  return { role: parseTokenRole(obj.role), ttlSeconds };
}

export interface SessionView {
  id: string;
  tenant: string;
  createdAt: number;
  lastSeq: number;
  /** `idle` when no work is open; otherwise what the session is waiting on. */
  status: "idle" | "working" | "waiting";
  messages: ChatMessage[];
  operations: OperationView[];
  policy: DataPolicy;
  /** The model the session was created under and keeps across deploys (null: older than releases). */
  release: ModelRelease | null;
  /** Consent grants in force now. */
  consents: ConsentGrant[];
}

export interface AppendResult {
  seq: number;
  /** True when this response replays an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** One cold start of the Durable Object, measured where it happens. */
export interface WakeRecord {
  at: number;
  trigger: "http" | "rpc" | "websocket" | "alarm";
  constructorMs: number;
  hydrateMs: number;
  rowsRead: number;
  firstEventMs: number;
}

/** A hosted provider's circuit breaker as `/stats` shows it (the same for every session). */
export interface ProviderHealth {
  provider: ProviderId;
  /** `open`: calls are refused at once; `half_open`: the next call is a probe. */
  state: "closed" | "open" | "half_open";
  /** Failures in a row (reset by a success). */
  failures: number;
  /** While open: when a probe may go (ms). */
  retryAt: number | null;
  openedAt: number | null;
}

export interface SessionStats {
  wakes: number;
  lastWake: WakeRecord | null;
  recentWakes: WakeRecord[];
  journal: { entries: number; lastSeq: number };
  /** The breakers of the hosted providers this deployment configured. */
  providers: ProviderHealth[];
}

export function parseResolution(value: unknown): UncertainResolution {
  const outcome = requireRecord(value, "body").outcome;
  if (outcome === "committed" || outcome === "retry" || outcome === "abandon") return outcome;
  throw new DormantError("invalid_request", '"outcome" must be one of: committed, retry, abandon');
}
