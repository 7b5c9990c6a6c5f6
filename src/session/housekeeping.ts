import { CONSENT_RETENTION_MS, IDEMPOTENCY_RETENTION_MS } from "./limits.ts";
import type { SessionStore } from "./session-store.ts";

/**
 * Bookkeeping past its retention goes once per wake, after the wake's first event (so it never
 * delays one): idempotency keys older than a week, consents that ended 30 days ago. The journal
 * is never pruned. A session that never wakes again keeps its rows: waking every dormant session
 * to prune would cost more than the rows (decisions/0012).
 */
export function pruneSession(
  store: Pick<SessionStore, "tx" | "idempotency" | "consents">,
  now: number,
): { idempotency: number; consents: number } {
  return store.tx(() => ({
    idempotency: store.idempotency.prune(now - IDEMPOTENCY_RETENTION_MS),
    consents: store.consents.prune(now - CONSENT_RETENTION_MS),
  }));
}
