import type { Json } from "./validate.ts";
import type { VersionStamp } from "./version.ts";

export const JOURNAL_EVENT_TYPES = [
  "session.created",
  "user.message",
  "step.scheduled",
  "step.leased",
  "step.started",
  "step.completed",
  "step.failed",
  "step.retry",
  "step.effect_uncertain",
  "approval.requested",
  "approval.granted",
  "approval.rejected",
  "approval.expired",
  "assistant.message",
  "turn.failed",
  "device.unavailable",
  "device.available",
  "consent.requested",
  "consent.granted",
  "consent.declined",
  "consent.revoked",
  "token.revoked",
  "trigger.received",
  "schedule.created",
  "schedule.fired",
  "schedule.deleted",
] as const;
export type JournalEventType = (typeof JOURNAL_EVENT_TYPES)[number];

/** One append-only journal row as it appears on the wire. */
export interface JournalEntry {
  seq: number;
  type: JournalEventType;
  payload: Json;
  opKey: string | null;
  stamp: VersionStamp;
  at: number;
}

export interface JournalPage {
  entries: JournalEntry[];
  /** Pass as `after` to read on; equals the last entry's seq (or the request's `after`). */
  next: number;
}
