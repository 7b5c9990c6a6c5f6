import { DormantError, type TriggerEvent } from "../protocol/index.ts";
import { tenantLimits } from "./tenant-limits.ts";

/**
 * An event still undelivered this long after it was queued is queued again: a queue that lost it
 * (wrangler dev's keeps messages in memory) loses nothing. The session journals an event once per
 * key, so a copy that arrives anyway is a no-op.
 */
export const RESEND_AFTER_MS = 60_000;

function gate(env: Env, tenant: string) {
  return env.TENANT_GATE.get(env.TENANT_GATE.idFromName(tenant));
}

/**
 * Admits one event for `tenant` (its order number for `session`), or refuses it with 429 and when
 * to retry. The gate keeps `event` until it is delivered, and queues it again if it never is.
 */
export async function admitEvent(env: Env, tenant: string, event: Omit<TriggerEvent, "order">): Promise<number> {
  const admission = await gate(env, tenant).admit(event.key, event.session, tenantLimits(env.TENANT_LIMITS, tenant), Date.now(), event);
  if (admission.ok) return admission.order;
  const what = admission.why === "rate" ? "sends more events per minute than its cap" : "has as many events in flight as its cap allows";
  throw new DormantError("rate_limited", `tenant "${tenant}" ${what}`, admission.retryAfterMs / 1000);
}

/** The event is out of the queue (journaled, or dead-lettered): its tenant's in-flight slot is free. */
export async function releaseEvent(env: Env, tenant: string, key: string): Promise<void> {
  await gate(env, tenant).release(key);
}
