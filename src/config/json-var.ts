import { DormantError, isRecord } from "../protocol/index.ts";

/**
 * A configuration variable holding a JSON object (`TENANT_LIMITS`, `PROVIDER_BREAKER`, `HOOKS`):
 * null when unset or blank; `misconfigured` when it is not a JSON object.
 */
export function jsonVar(name: string, value: string | undefined): Record<string, unknown> | null {
  if (!value?.trim()) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new DormantError("misconfigured", `${name} is not valid JSON`);
  }
  if (!isRecord(parsed)) throw new DormantError("misconfigured", `${name} must be a JSON object`);
  return parsed;
}
