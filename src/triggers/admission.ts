import { DormantError } from "../protocol/index.ts";
import { tenantLimits } from "./tenant-limits.ts";

function gate(env: Env, tenant: string) {
  return env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant));
}

/** Admits one event for `tenant` (its order number for `session`), or refuses it with 429 and when to retry. */
export async function admitEvent(env: Env, tenant: string, key: string, session: string): Promise<number> {
  const admission = await gate(env, tenant).admit(key, session, tenantLimits(env.TENANT_LIMITS, tenant));
  if (admission.ok) return admission.order;
  const what = admission.why === "rate" ? "sends more events per minute than its cap" : "has as many events in flight as its cap allows";
  throw new DormantError("rate_limited", `tenant "${tenant}" ${what}`, admission.retryAfterMs / 1000);
}

/** The event is out of the queue (journaled, or dead-lettered): its tenant's in-flight slot is free. */
export async function releaseEvent(env: Env, tenant: string, key: string): Promise<void> {
  await gate(env, tenant).release(key);
}
