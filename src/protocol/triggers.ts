import { DormantError } from "./errors.ts";
import { optionalText } from "./events.ts";
import { isRecord, type Json, requireRecord } from "./validate.ts";

/**
 * Where a queued event that wakes a session came from (a chat message is not a trigger; a
 * session's own schedules fire inside it, as `schedule.fired`, and never travel the queue).
 */
export const TRIGGER_SOURCES = ["webhook", "cron"] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/** Data-policy labels an event carries into the journal (what its payload holds, for whom). */
export const LABEL_PATTERN = /^[a-z][a-z0-9_.-]{0,39}$/;

/**
 * One event for a session, as it travels on the queue and lands in the journal. `key` is its
 * idempotency key: however often it is delivered, the session journals it once.
 */
export interface TriggerEvent {
  v: 1;
  source: TriggerSource;
  /** The hook's name, or the cron expression. */
  name: string;
  session: string;
  tenant: string;
  key: string;
  labels: string[];
  /** What the agent is asked to do, if anything: it becomes a user turn (bounded by the inbox). */
  text: string | null;
  data: Json;
  /** When the edge accepted it (ms); lateness is measured from here. */
  acceptedAt: number;
  /**
   * Its place among the session's ordered events (the tenant gate numbers them 1, 2, …); null for
   * events that need no order (cron ticks, dead letters replayed).
   */
  order: number | null;
}

/** What a webhook's JSON body may carry besides its own data. */
export interface HookBody {
  session: string | null;
  text: string | null;
}

export function parseHookBody(value: unknown, sessionField: string): HookBody {
  const body = requireRecord(value, "webhook body");
  const session = body[sessionField];
  if (session !== undefined && typeof session !== "string") throw new DormantError("invalid_request", `"${sessionField}" must be a string`);
  return { session: session ?? null, text: optionalText(body) };
}

/** A queue body is ours only if it has this shape; anything else is dead on arrival. */
export function isTriggerEvent(value: unknown): value is TriggerEvent {
  if (!isRecord(value) || value.v !== 1) return false;
  const strings = ["name", "session", "tenant", "key"].every((k) => typeof value[k] === "string");
  return (
    strings &&
    (TRIGGER_SOURCES as readonly unknown[]).includes(value.source) &&
    Array.isArray(value.labels) &&
    (value.text === null || typeof value.text === "string") &&
    typeof value.acceptedAt === "number" &&
    (value.order === null || typeof value.order === "number")
  );
}

/** A delivery that ran out of attempts, kept for an operator to inspect and replay. */
export interface DeadLetter {
  id: string;
  tenant: string;
  event: TriggerEvent | null;
  /** The queue body as it arrived, when it was not a trigger event. */
  raw: Json;
  error: { code: string; message: string };
  attempts: number;
  at: number;
  replayedAt: number | null;
}
