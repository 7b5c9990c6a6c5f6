import { jsonVar } from "../config/json-var.ts";
import { DormantError, isRecord } from "../protocol/index.ts";

/** A tenant's admission caps: events per minute (a token bucket that holds a minute's worth), and events in flight. */
export interface TenantLimits {
  perMinute: number;
  inFlight: number;
}

export const DEFAULT_TENANT_LIMITS: TenantLimits = { perMinute: 600, inFlight: 1000 };

function limitsOf(value: unknown, where: string): TenantLimits {
  if (!isRecord(value)) throw new DormantError("misconfigured", `TENANT_LIMITS${where} must be an object`);
  const read = (key: keyof TenantLimits) => {
    const n = value[key] ?? DEFAULT_TENANT_LIMITS[key];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
      throw new DormantError("misconfigured", `TENANT_LIMITS${where}.${key} must be a positive integer`);
    return n;
  };
  return { perMinute: read("perMinute"), inFlight: read("inFlight") };
}

/**
 * `TENANT_LIMITS`: JSON `{"*": {"perMinute": 600, "inFlight": 1000}, "<tenant>": {...}}`; a tenant
 * without an entry gets `*`'s, and `*` defaults to DEFAULT_TENANT_LIMITS.
 */
export function tenantLimits(config: string | undefined, tenant: string): TenantLimits {
  const parsed = jsonVar("TENANT_LIMITS", config);
  if (!parsed) return DEFAULT_TENANT_LIMITS;
  const own = parsed[tenant];
  if (own !== undefined) return limitsOf(own, `["${tenant}"]`);
  return parsed["*"] === undefined ? DEFAULT_TENANT_LIMITS : limitsOf(parsed["*"], '["*"]');
}
