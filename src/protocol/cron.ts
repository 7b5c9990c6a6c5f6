import { DormantError } from "./errors.ts";

/** A parsed 5-field cron expression (Cloudflare Cron Triggers / Vixie cron); every time is UTC. */
export interface CronSpec {
  readonly source: string;
  /** Ascending, so the next allowed value is a forward scan. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday; a written 7 is folded into 0. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Vixie: a day field written starting with "*" does not restrict, so the other day field alone decides. */
  readonly dayOfMonthStar: boolean;
  readonly dayOfWeekStar: boolean;
}

interface Field {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names in value order starting at `min`; empty where the field has none. */
  readonly names: readonly string[];
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly Field[] = [
  { label: "minute", min: 0, max: 59, names: [] },
  { label: "hour", min: 0, max: 23, names: [] },
  { label: "day-of-month", min: 1, max: 31, names: [] },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES },
  { label: "day-of-week", min: 0, max: 7, names: DAY_NAMES },
];

/** Longest each month can be (February in a leap year), to reject specs that can never fire. */
const MONTH_MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const MINUTE_MS = 60_000;
// Impossible specs are rejected by parseCron; this cap only guards the loop. It is generous because a legal
// spec that needs Feb 29 to fall on one weekday (dow written as a "*" step) can be decades away.
const SEARCH_LIMIT_MS = 100 * 366 * 24 * 60 * MINUTE_MS;

type Fail = (why: string) => never;

export function parseCron(expression: string): CronSpec {
  if (typeof expression !== "string") {
    throw new DormantError("invalid_request", "cron expression must be a string");
  }
  const fail: Fail = (why) => {
    throw new DormantError("invalid_request", `cron "${expression}": ${why}`);
  };
  const trimmed = expression.trim();
  const parts = trimmed === "" ? [] : trimmed.split(/\s+/);
  if (parts.length !== 5) {
    fail(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const [minutes, hours, daysOfMonth, months, rawDaysOfWeek] = FIELDS.map((field, i) => parseField(field, parts[i] ?? "", fail));
  const daysOfWeek = new Set([...rawDaysOfWeek!].map((d) => d % 7));
  const spec: CronSpec = {
    source: expression,
    minutes: [...minutes!].sort((a, b) => a - b),
    hours: [...hours!].sort((a, b) => a - b),
    daysOfMonth: daysOfMonth!,
    months: months!,
    daysOfWeek,
    dayOfMonthStar: parts[2]!.startsWith("*"),
    dayOfWeekStar: parts[4]!.startsWith("*"),
  };
  // Only when the day-of-month must match (no OR with day-of-week) can it make the spec impossible;
  // any day that exists in some allowed month eventually falls on every weekday.
  if (spec.dayOfMonthStar || spec.dayOfWeekStar) {
    const fits = [...spec.months].some((m) => [...spec.daysOfMonth].some((d) => d <= MONTH_MAX_DAYS[m - 1]!));
    if (!fits) fail(`day-of-month "${parts[2]}" never occurs in month "${parts[3]}", so it would never run`);
  }
  return spec;
}

function parseField(field: Field, text: string, fail: Fail): Set<number> {
  const { label, min, max } = field;
  const values = new Set<number>();
  for (const part of text.split(",")) {
    if (part === "") fail(`${label} field "${text}" has an empty list item`);
    const pieces = part.split("/");
    const range = pieces[0]!;
    const stepText = pieces[1];
    if (pieces.length > 2 || range === "") fail(`${label} "${part}" is not of the form a-b/step`);
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) fail(`${label} step "${stepText}" must be a whole number of at least 1`);
    }
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const ends = range.split("-");
      if (ends.length > 2) fail(`${label} range "${range}" has more than one "-"`);
      if (ends.includes("")) fail(`${label} range "${range}" is missing a number`);
      lo = parseValue(field, ends[0]!, fail);
      // "n/s" means from n to the end of the field, stepping s.
      hi = ends[1] !== undefined ? parseValue(field, ends[1], fail) : stepText !== undefined ? max : lo;
      if (lo > hi) fail(`${label} range "${range}" runs backwards (${lo} > ${hi})`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

function parseValue(field: Field, token: string, fail: Fail): number {
  const { label, min, max, names } = field;
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < min || n > max) fail(`${label} ${n} is outside ${min}-${max}`);
    return n;
  }
  const index = names.indexOf(token.toUpperCase());
  if (index >= 0) return min + index;
  if (names.length === 0) fail(`${label} "${token}" is not a number`);
  return fail(`${label} "${token}" is neither a number nor a name (${names[0]}-${names[names.length - 1]})`);
}

function dayMatches(spec: CronSpec, dayOfMonth: number, dayOfWeek: number): boolean {
  const byMonthDay = spec.daysOfMonth.has(dayOfMonth);
  const byWeekDay = spec.daysOfWeek.has(dayOfWeek);
  // Vixie: both restricted means either may fire the job; otherwise both must agree.
  if (!spec.dayOfMonthStar && !spec.dayOfWeekStar) return byMonthDay || byWeekDay;
  return byMonthDay && byWeekDay;
}

function atLeast(sorted: readonly number[], value: number): number | undefined {
  return sorted.find((v) => v >= value);
}

/** Date.UTC maps years 0-99 onto 1900-1999; setUTCFullYear does not. Overflowing fields roll over. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date.setUTCHours(hour, minute, 0, 0);
}

/** First whole minute (epoch ms) strictly after `afterMs` that the spec matches, in UTC. */
export function nextCronTime(spec: CronSpec, afterMs: number): number {
  if (!Number.isFinite(afterMs)) {
    throw new DormantError("invalid_request", `cron "${spec.source}": start time ${afterMs} is not a finite number`);
  }
  let t = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limit = t + SEARCH_LIMIT_MS;
  // Each miss jumps to the start of the next candidate month, day, hour or minute, never minute by minute.
  while (t <= limit) {
    const now = new Date(t);
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth();
    const day = now.getUTCDate();
    if (!spec.months.has(month + 1)) {
      t = utc(year, month + 1, 1);
      continue;
    }
    if (!dayMatches(spec, day, now.getUTCDay())) {
      t = utc(year, month, day + 1);
      continue;
    }
    const hour = atLeast(spec.hours, now.getUTCHours());
    if (hour === undefined) {
      t = utc(year, month, day + 1);
      continue;
    }
    if (hour !== now.getUTCHours()) {
      t = utc(year, month, day, hour);
      continue;
    }
    const minute = atLeast(spec.minutes, now.getUTCMinutes());
    if (minute === undefined) {
      t = utc(year, month, day, hour + 1);
      continue;
    }
    return utc(year, month, day, hour, minute);
  }
  throw new DormantError("invalid_request", `cron "${spec.source}": no matching time within 100 years after ${afterMs}`);
}
