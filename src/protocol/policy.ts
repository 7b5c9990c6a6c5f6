import { DormantError } from "./errors.ts";
import { isRecord } from "./validate.ts";

/** Whether a session may use hosted inference: never; after the end user consents; or pre-consented by the app. */
export const HOSTED_MODES = ["never", "ask", "allow"] as const;
export type HostedMode = (typeof HOSTED_MODES)[number];

/** Hosted inference providers the runtime knows (src/inference). */
export const PROVIDER_IDS = ["workers-ai", "openai-compatible", "local"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/**
 * What may leave the device on a hosted step: the conversation's text, and the results of tools
 * (which can hold data the user never typed). A step whose context holds a class the policy does
 * not list is never sent — not even with consent.
 */
export const DATA_CLASSES = ["messages", "tool_results"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The app's data policy for one session, fixed at creation; the end user's consent can never exceed it. */
export interface DataPolicy {
  /** Stamped on every journal row as `policy@<version>`. */
  version: number;
  hosted: HostedMode;
  /** Allowed providers, in order of preference. */
  providers: ProviderId[];
  dataClasses: DataClass[];
}

export const DEFAULT_POLICY: DataPolicy = { version: 1, hosted: "never", providers: [...PROVIDER_IDS], dataClasses: [...DATA_CLASSES] };

function subset<T extends string>(value: unknown, allowed: readonly T[], key: string): T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > allowed.length || value.some((v) => !allowed.includes(v as T))) {
    throw new DormantError("invalid_request", `"policy.${key}" must be a list drawn from: ${allowed.join(", ")}`);
  }
  return [...new Set(value as T[])];
}

export function parseDataPolicy(value: unknown): DataPolicy {
  if (value === undefined) return DEFAULT_POLICY;
  if (!isRecord(value)) throw new DormantError("invalid_request", '"policy" must be a JSON object');
  const hosted = value.hosted ?? DEFAULT_POLICY.hosted;
  if (!HOSTED_MODES.includes(hosted as HostedMode)) {
    throw new DormantError("invalid_request", `"policy.hosted" must be one of: ${HOSTED_MODES.join(", ")}`);
  }
  const version = value.version ?? DEFAULT_POLICY.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > 1_000_000) {
    throw new DormantError("invalid_request", '"policy.version" must be an integer in [1, 1000000]');
  }
  const providers = subset(value.providers, PROVIDER_IDS, "providers") ?? DEFAULT_POLICY.providers;
  const dataClasses = subset(value.dataClasses, DATA_CLASSES, "dataClasses") ?? DEFAULT_POLICY.dataClasses;
  if (hosted !== "never" && (providers.length === 0 || !dataClasses.includes("messages"))) {
    throw new DormantError("invalid_request", 'a policy that allows hosted inference needs a provider and the "messages" data class');
  }
  return { version, hosted: hosted as HostedMode, providers, dataClasses };
}
