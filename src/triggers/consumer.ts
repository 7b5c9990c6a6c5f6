import { sessionObjectId } from "../api/session-id.ts";
import { ERROR_STATUS, type ErrorCode, isTriggerEvent, type TriggerEvent } from "../protocol/index.ts";
import { releaseEvent } from "./admission.ts";
import { type DeadLetterInput, deadLetters } from "./dead-letters.ts";

/** The dead-letter queue's name in wrangler.toml (the one queue this worker consumes besides `dormant-events`). */
export const DEAD_LETTER_QUEUE = "dormant-events-dlq";

/**
 * Attempts a delivery gets before its event is dead-lettered with its last error. wrangler.toml's
 * `max_retries` is set higher, so Cloudflare's own dead-letter routing only catches what this
 * consumer never answered (it crashed): an event held back behind a failing one keeps its room.
 */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** Seconds before attempt `attempts + 1`: 1, 2, 4, 8, at most 60 (or what the session asked for). */
function backoffSeconds(attempts: number, asked?: number): number {
  return Math.max(asked ?? 0, Math.min(60, 2 ** (attempts - 1)));
}

export type Outcome =
  | { ok: true; seq: number; replayed: boolean }
  | { ok: false; code: string; message: string; retryable: boolean; retryAfter?: number };

/** Overload, ordering and server-side failures pass; a refusal about the event itself never will. */
function retryable(code: string): boolean {
  const status = ERROR_STATUS[code as ErrorCode] ?? 500;
  return status >= 500 || status === 429 || code === "out_of_order";
}

/** Hands one event to its session; never throws. */
export async function deliver(env: Env, event: TriggerEvent): Promise<Outcome> {
  const id = sessionObjectId(env.AGENT_SESSION, event.session);
  if (!id) return { ok: false, code: "not_found", message: "no such session", retryable: false };
  try {
    const result = await env.AGENT_SESSION.get(id).deliverTrigger(event);
    if (result.ok) return { ok: true, ...result.value };
    const { code, message, retryAfter } = result.error;
    return { ok: false, code, message, retryable: retryable(code), ...(retryAfter === undefined ? {} : { retryAfter }) };
  } catch (error) {
    // A thrown RPC is the object failing mid-call (reset, overloaded, a crash): worth a retry.
    return { ok: false, code: "internal", message: String(error), retryable: true };
  }
}

/**
 * One session's messages of a batch, in order. When one fails, it and every later one of that
 * session go back to the queue together (the session's order numbers keep them in order across
 * batches); after MAX_DELIVERY_ATTEMPTS, or at once for a refusal no retry can fix, the event is
 * dead-lettered with its error. Nothing is acknowledged before it is journaled or dead-lettered.
 */
async function deliverInOrder(env: Env, messages: Message<TriggerEvent>[]): Promise<void> {
  for (const [i, message] of messages.entries()) {
    const event = message.body;
    const outcome = await deliver(env, event);
    if (!outcome.ok && outcome.retryable && message.attempts < MAX_DELIVERY_ATTEMPTS) {
      const delaySeconds = backoffSeconds(message.attempts, outcome.retryAfter);
      for (const later of messages.slice(i)) later.retry({ delaySeconds });
      return;
    }
    if (!outcome.ok) await deadLetter(env, message, { code: outcome.code, message: outcome.message });
    // Only events the tenant gate admitted (and numbered) hold an in-flight slot; cron ticks do not.
    if (event.order !== null) await releaseEvent(env, event.tenant, event.key);
    message.ack();
  }
}

async function deadLetter(env: Env, message: Message<unknown>, error: DeadLetterInput["error"]): Promise<void> {
  await env.DEAD_LETTERS_QUEUE.send({ id: message.id, body: message.body, error, attempts: message.attempts } satisfies DeadLetterInput, {
    contentType: "json",
  });
}

/** The `dormant-events` consumer: sessions in parallel, each session's events in order. */
export async function deliverBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const bySession = new Map<string, Message<TriggerEvent>[]>();
  for (const message of batch.messages) {
    if (!isTriggerEvent(message.body)) {
      await deadLetter(env, message, { code: "invalid_request", message: "the queue message is not a trigger event" });
      message.ack();
      continue;
    }
    const list = bySession.get(message.body.session) ?? [];
    list.push(message as Message<TriggerEvent>);
    bySession.set(message.body.session, list);
  }
  await Promise.all([...bySession.values()].map((messages) => deliverInOrder(env, messages)));
}

/** The dead-letter queue's consumer: each letter is kept by its tenant's store for inspection and replay. */
export async function keepDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    await deadLetters(env).keep(message.id, message.body, message.attempts);
    message.ack();
  }
}
