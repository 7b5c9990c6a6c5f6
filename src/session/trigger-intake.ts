import { type AppendResult, canonicalJson, DormantError, type Json, sha256Hex, type TriggerEvent } from "../protocol/index.ts";
import { ORDER_WAIT_MS } from "./limits.ts";
import type { SessionStore } from "./session-store.ts";

/** What intake needs of the loop: a user turn started (or queued) inside the current transaction. */
export interface TurnStarter {
  userTurn(text: string, trigger: number | null): number;
}

/**
 * Idempotency keys of trigger events live beside chat Idempotency-Keys; the space keeps them apart
 * from HTTP keys (printable ASCII without spaces). WebSocket keys are only length-checked.
 */
const KEY_PREFIX = "trigger ";

/**
 * Journals a trigger event once however often it is delivered, with its source, tenant, labels and
 * lateness; its text, if any, becomes a user turn in the same transaction. An ordered event whose
 * predecessor has not arrived yet is sent back (`out_of_order`) for up to ORDER_WAIT_MS, then taken
 * anyway (marked `inOrder: false`): order is kept across retries, and a lost predecessor never
 * blocks a session for good. A full inbox fails the whole transaction (nothing stored), so the
 * queue delivers the event again later.
 */
export async function receiveTrigger(store: SessionStore, turns: TurnStarter, event: TriggerEvent, now: number): Promise<AppendResult> {
  const { source, name, key, tenant, labels, text, data, acceptedAt, order } = event;
  const fingerprint = await sha256Hex(canonicalJson({ source, name, text, data }));
  return store.tx(() => {
    const result = store.idempotency.once({ key: `${KEY_PREFIX}${key}`, fingerprint }, () => {
      const last = store.triggerOrder.last();
      if (order !== null && order > last + 1 && now - acceptedAt < ORDER_WAIT_MS) {
        throw new DormantError("out_of_order", `event ${order} waits for event ${last + 1} of this session`, 1);
      }
      const inOrder = order === null || order === last + 1;
      const payload: Json = { source, name, key, tenant, labels, data, order, inOrder, acceptedAt, lateMs: Math.max(0, now - acceptedAt) };
      const entry = store.append("trigger.received", payload);
      if (text !== null) turns.userTurn(text, entry.seq);
      return { seq: entry.seq, replayed: false };
    });
    if (order !== null) store.triggerOrder.advance(order);
    return result;
  });
}
