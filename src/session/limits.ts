/** The session's bounds in one place. */

/** Inference steps one user turn may take before the turn fails (bounds tool loops). */
export const MAX_TURN_STEPS = 8;
/** Attempts an operation gets before it fails for good. */
export const MAX_ATTEMPTS = 3;
/** Messages of history an inference step is offered at most (then cut to whole turns). */
export const CONTEXT_MESSAGES = 64;
/** Tokens a hosted step may generate. */
export const HOSTED_MAX_TOKENS = 128;
/** How long to wait before asking a provider again when its status query itself failed. */
export const STATUS_RETRY_MS = 30_000;
/** Wake records kept per session (older ones are dropped). */
export const WAKES_KEPT = 50;
/** An Allow-once grant ends with its turn or this soon; a session grant lasts a working day unless revoked. */
export const TURN_GRANT_TTL_MS = 15 * 60_000;
export const SESSION_GRANT_TTL_MS = 24 * 3600_000;
/** User messages that may wait behind a running turn; one more is refused with 429. */
export const MAX_INBOX = 16;
/** What an `inbox_full` refusal tells the sender to wait (a turn's usual length on a device). */
export const INBOX_RETRY_AFTER_S = 5;
/** Schedules a session may hold at once. */
export const MAX_SCHEDULES = 32;
/**
 * How long a trigger event waits for its session's earlier events before it is journaled anyway.
 * Shorter than the consumer's retry budget (1 + 2 + 4 + 8 s before its last attempt), so a waiting
 * event is taken, not dead-lettered.
 */
export const ORDER_WAIT_MS = 10_000;
/**
 * How long finished bookkeeping is kept (pruned when the session wakes): idempotency rows for a
 * week (longer than a queue keeps a message, 4 days by default), ended consents for 30 days.
 */
export const IDEMPOTENCY_RETENTION_MS = 7 * 24 * 3600_000;
export const CONSENT_RETENTION_MS = 30 * 24 * 3600_000;
/** Journal rows sent per frame when a client catches up. */
export const JOURNAL_PAGE = 500;
/**
 * What a failed turn leaves in the conversation: an assistant answer, as in every conversation the
 * model was trained on, instead of a user message with no reply after it.
 */
export const FAILED_TURN_REPLY = "Sorry, I could not do that.";
