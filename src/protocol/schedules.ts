import { nextCronTime, parseCron } from "./cron.ts";
import { DormantError } from "./errors.ts";
import { optionalText } from "./events.ts";
import { requireRecord } from "./validate.ts";

export type ScheduleKind = "at" | "every" | "cron";

/** The shortest period an `every` schedule may have (as a cron's finest grain). */
export const MIN_EVERY_SECONDS = 60;
/** How far ahead an `at` schedule may be set. */
export const MAX_AT_AHEAD_MS = 366 * 24 * 3600_000;

/** A schedule to set: exactly one of `at` (epoch ms), `everySeconds`, `cron` (5 fields, UTC). */
export interface ScheduleRequest {
  name: string;
  kind: ScheduleKind;
  /** The `at` time in ms, the period in seconds, or the cron expression, as text. */
  spec: string;
  /** What the agent is asked when it fires; without it the firing is only journaled. */
  text: string | null;
}

export interface ScheduleView extends ScheduleRequest {
  id: string;
  /** When it fires next (null once an `at` schedule has fired). */
  nextAt: number | null;
  fired: number;
  lastFiredAt: number | null;
  createdAt: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/;

export function parseScheduleRequest(value: unknown, now: number): ScheduleRequest {
  const obj = requireRecord(value, "body");
  const given = (["at", "everySeconds", "cron"] as const).filter((k) => obj[k] !== undefined);
  if (given.length !== 1) throw new DormantError("invalid_request", 'a schedule needs exactly one of "at", "everySeconds", "cron"');
  const text = optionalText(obj);
  const kind: ScheduleKind = given[0] === "everySeconds" ? "every" : given[0]!;
  const name = obj.name ?? kind;
  if (typeof name !== "string" || !NAME.test(name))
    throw new DormantError("invalid_request", '"name" must be 1-64 letters, digits, spaces or _.:-');
  const raw = obj[given[0]!];
  if (kind === "at") {
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < now - 60_000 || raw > now + MAX_AT_AHEAD_MS) {
      throw new DormantError("invalid_request", '"at" must be epoch milliseconds from now to a year ahead');
    }
  } else if (kind === "every") {
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < MIN_EVERY_SECONDS || raw > 366 * 24 * 3600) {
      throw new DormantError("invalid_request", `"everySeconds" must be an integer from ${MIN_EVERY_SECONDS} to a year`);
    }
  } else if (typeof raw !== "string") throw new DormantError("invalid_request", '"cron" must be a string');
  else parseCron(raw);
  return { name, kind, spec: String(raw), text };
}

/**
 * The first time after `after` this schedule fires: once for `at`; for `every`, the next slot of
 * its grid from `anchor` (so missed slots are skipped, not fired in a burst); for `cron`, its next minute.
 */
export function nextFiring(kind: ScheduleKind, spec: string, anchor: number, after: number): number | null {
  if (kind === "at") return Number(spec) > after ? Number(spec) : null;
  if (kind === "cron") return nextCronTime(parseCron(spec), after);
  const period = Number(spec) * 1000;
  return anchor + (Math.floor(Math.max(0, after - anchor) / period) + 1) * period;
}
