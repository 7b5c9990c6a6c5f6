import { DormantError } from "./errors.ts";
import type { DataClass, ProviderId } from "./policy.ts";
import { requireRecord, requireString } from "./validate.ts";

/** Model stamps and lease holders of hosted steps start with this: `hosted:<provider>/<model>`. */
export const HOSTED_PREFIX = "hosted:";

/** Why a device cannot serve a step; the consent dialog shows the plain words. */
export const DEVICE_UNAVAILABLE_REASONS = {
  cache_cleared: "the browser removed the model files from this device",
  not_downloaded: "the model is not downloaded on this device yet",
  device_lost: "the device's GPU stopped working",
  memory_pressure: "this device is short of memory",
  invalid_artifact: "the model files failed verification",
  unsupported: "this browser cannot run the model",
  load_failed: "the model could not be loaded on this device",
  storage_full: "this device has no room left to store the model",
} as const;
export type DeviceUnavailableReason = keyof typeof DEVICE_UNAVAILABLE_REASONS;

export function parseUnavailableReason(value: unknown): DeviceUnavailableReason {
  if (typeof value === "string" && value in DEVICE_UNAVAILABLE_REASONS) return value as DeviceUnavailableReason;
  throw new DormantError("invalid_request", `"reason" must be one of: ${Object.keys(DEVICE_UNAVAILABLE_REASONS).join(", ")}`);
}

/**
 * `turn` (Allow once): the hosted steps of the current turn — a tool-using answer is two steps and
 * asking twice for one request would teach people to click blindly; `session`: every hosted step
 * until revoked or expired.
 */
export type ConsentScope = "turn" | "session";
export type ConsentDecision = "once" | "session" | "decline";

/** Journaled as `consent.requested`: everything the person deciding must see. */
export interface ConsentRequest {
  opKey: string;
  reason: DeviceUnavailableReason;
  /** The reason in plain words. */
  reasonText: string;
  provider: ProviderId;
  model: string;
  /** Who receives the data, in plain words. */
  recipient: string;
  dataClasses: DataClass[];
  policyVersion: number;
}

/** Journaled as `consent.granted`; the session's consents table is its projection. */
export interface ConsentGrant {
  id: string;
  scope: ConsentScope;
  /** The step that asked; an Allow-once grant ends with that step's turn. */
  opKey: string;
  provider: ProviderId;
  model: string;
  reason: DeviceUnavailableReason;
  dataClasses: DataClass[];
  grantedAt: number;
  expiresAt: number;
  /** `user` (a client) or `policy` (a session created with `hosted: allow`). */
  by: "user" | "policy";
  policyVersion: number;
}

/** Where an assistant step ran, stamped on step.completed and assistant.message. */
export interface Receipt {
  ranOn: "device" | "hosted";
  /** `id@sha256:…` for a device, `hosted:<provider>/<model>` for a hosted step. */
  model: string;
  consentId: string | null;
  policyVersion: number;
}

export function parseConsentDecision(value: unknown): ConsentDecision {
  const decision = requireRecord(value, "body").decision;
  if (decision === "once" || decision === "session" || decision === "decline") return decision;
  throw new DormantError("invalid_request", '"decision" must be one of: once, session, decline');
}

export function parseConsentId(obj: Record<string, unknown>): string {
  return requireString(obj, "consentId", { max: 100 });
}
