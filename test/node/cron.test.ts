import { describe, expect, it } from "vitest";
import { nextCronTime, parseCron } from "../../src/protocol/cron.ts";
import { DormantError } from "../../src/protocol/index.ts";

// Weekdays used below (UTC): 2026-01-01 Thu, 2026-03-31 Tue, 2026-04-13 Mon, 2026-09-13 Sun, 2027-01-01 Fri.

/** The next firing after `afterMs`, as an ISO string so a failure shows the date. */
const next = (expression: string, afterMs: number): string => new Date(nextCronTime(parseCron(expression), afterMs)).toISOString();

/** The first `count` firings after `afterMs`, each one strictly after the previous. */
const series = (expression: string, afterMs: number, count: number): string[] => {
  const spec = parseCron(expression);
  const out: string[] = [];
  let t = afterMs;
  for (let i = 0; i < count; i++) {
    t = nextCronTime(spec, t);
    out.push(new Date(t).toISOString());
  }
  return out;
};

const invalid = (expression: string): DormantError => {
  try {
    parseCron(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(DormantError);
    expect((error as DormantError).code).toBe("invalid_request");
    expect((error as DormantError).status).toBe(400);
    return error as DormantError;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
};

describe("parseCron syntax", () => {
  it("reads every per-field form", () => {
    expect(parseCron("* * * * *").minutes).toHaveLength(60);
    expect(parseCron("7 * * * *").minutes).toEqual([7]);
    expect(parseCron("1-3 * * * *").minutes).toEqual([1, 2, 3]);
    expect(parseCron("*/15 * * * *").minutes).toEqual([0, 15, 30, 45]);
    expect(parseCron("10-20/5 * * * *").minutes).toEqual([10, 15, 20]);
    expect(parseCron("50/3 * * * *").minutes).toEqual([50, 53, 56, 59]);
    expect(parseCron("45/10,30-31,1 * * * *").minutes).toEqual([1, 30, 31, 45, 55]);
    expect(parseCron("0 */6 * * *").hours).toEqual([0, 6, 12, 18]);
    expect([...parseCron("0 0 1-31/10 * *").daysOfMonth]).toEqual([1, 11, 21, 31]);
  });

  it("keeps the source and tolerates surrounding and repeated whitespace", () => {
    const spec = parseCron("  5   4 * *\t* ");
    expect(spec.source).toBe("  5   4 * *\t* ");
    expect(spec.minutes).toEqual([5]);
    expect(spec.hours).toEqual([4]);
  });

  it("accepts month and weekday names in any case, alone and in ranges", () => {
    const spec = parseCron("0 9 * jan-Mar,DEC MON-fri");
    expect([...spec.months].sort((a, b) => a - b)).toEqual([1, 2, 3, 12]);
    expect([...spec.daysOfWeek].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    // From the last Tuesday of March the next allowed month is December, on a weekday.
    expect(next("0 9 * jan-Mar MON-fri", Date.UTC(2026, 2, 31, 9))).toBe("2027-01-01T09:00:00.000Z");
    expect(next("0 0 * * sun", Date.UTC(2026, 0, 1))).toBe("2026-01-04T00:00:00.000Z");
  });

  it("treats day-of-week 7 as Sunday", () => {
    expect([...parseCron("0 0 * * 7").daysOfWeek]).toEqual([0]);
    expect([...parseCron("0 0 * * 5-7").daysOfWeek].sort((a, b) => a - b)).toEqual([0, 5, 6]);
    expect(next("0 0 * * 7", Date.UTC(2026, 0, 1))).toBe("2026-01-04T00:00:00.000Z");
    expect(series("0 0 * * 6-7", Date.UTC(2026, 0, 1), 3)).toEqual([
      "2026-01-03T00:00:00.000Z",
      "2026-01-04T00:00:00.000Z",
      "2026-01-10T00:00:00.000Z",
    ]);
  });
});

describe("nextCronTime", () => {
  it("fires on either day when both day-of-month and day-of-week are restricted", () => {
    expect(series("0 12 13 * FRI", Date.UTC(2026, 3, 1), 5)).toEqual([
      "2026-04-03T12:00:00.000Z",
      "2026-04-10T12:00:00.000Z",
      "2026-04-13T12:00:00.000Z", // a Monday: matched by day-of-month alone
      "2026-04-17T12:00:00.000Z",
      "2026-04-24T12:00:00.000Z",
    ]);
  });

  it("requires both day fields when one of them is written with *", () => {
    expect(next("0 12 13 * *", Date.UTC(2026, 3, 1))).toBe("2026-04-13T12:00:00.000Z");
    expect(next("0 12 * * FRI", Date.UTC(2026, 3, 1))).toBe("2026-04-03T12:00:00.000Z");
    // Vixie: "*/5" starts with "*", so it does not trigger the OR rule: the 13th must be a Sunday or Friday.
    expect(next("0 0 13 * */5", Date.UTC(2026, 3, 1))).toBe("2026-09-13T00:00:00.000Z");
  });

  it("rolls over hours, days, months and years", () => {
    expect(next("30 * * * *", Date.UTC(2026, 11, 31, 23, 45))).toBe("2027-01-01T00:30:00.000Z");
    expect(next("0 0 1 * *", Date.UTC(2026, 0, 31, 12))).toBe("2026-02-01T00:00:00.000Z");
    expect(next("59 23 31 12 *", Date.UTC(2026, 11, 31, 23, 59))).toBe("2027-12-31T23:59:00.000Z");
    expect(next("0 0 31 * *", Date.UTC(2026, 3, 1))).toBe("2026-05-31T00:00:00.000Z");
    expect(next("15 3,22 * * *", Date.UTC(2026, 5, 10, 3, 16))).toBe("2026-06-10T22:15:00.000Z");
  });

  it("finds the next leap day", () => {
    expect(next("0 0 29 2 *", Date.UTC(2027, 0, 1))).toBe("2028-02-29T00:00:00.000Z");
    // 2100 is not a leap year.
    expect(next("0 0 29 2 *", Date.UTC(2096, 2, 1))).toBe("2104-02-29T00:00:00.000Z");
  });

  it("jumps over decades without stepping minute by minute", () => {
    const started = performance.now();
    // Feb 29 that is also a Sunday: 2004, then 2032; after 2096 the next is 2128.
    expect(next("0 0 29 2 */7", Date.UTC(2000, 0, 1))).toBe("2004-02-29T00:00:00.000Z");
    expect(next("0 0 29 2 */7", Date.UTC(2096, 2, 1))).toBe("2128-02-29T00:00:00.000Z");
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("returns a whole minute strictly after the given time", () => {
    const noon = Date.UTC(2026, 4, 5, 12);
    expect(next("0 12 * * *", noon)).toBe("2026-05-06T12:00:00.000Z");
    expect(next("0 12 * * *", noon - 1)).toBe("2026-05-05T12:00:00.000Z");
    expect(next("0 12 * * *", noon + 1)).toBe("2026-05-06T12:00:00.000Z");
    expect(nextCronTime(parseCron("* * * * *"), noon)).toBe(noon + 60_000);
    expect(nextCronTime(parseCron("* * * * *"), noon + 59_999)).toBe(noon + 60_000);
    expect(series("*/20 * * * *", Date.UTC(2026, 4, 5, 12, 7, 30), 3)).toEqual([
      "2026-05-05T12:20:00.000Z",
      "2026-05-05T12:40:00.000Z",
      "2026-05-05T13:00:00.000Z",
    ]);
  });

  it("rejects a start time that is not a number", () => {
    expect(() => nextCronTime(parseCron("* * * * *"), Number.NaN)).toThrow(DormantError);
  });
});

describe("invalid expressions", () => {
  it("rejects specs that can never fire", () => {
    expect(invalid("0 0 31 2 *").message).toBe('cron "0 0 31 2 *": day-of-month "31" never occurs in month "2", so it would never run');
    invalid("0 0 30,31 feb *");
    invalid("0 0 31 4,6,9,11 *");
    // With a restricted weekday the OR rule applies, so this runs on Mondays in February.
    expect(next("0 0 31 2 MON", Date.UTC(2026, 0, 1))).toBe("2026-02-02T00:00:00.000Z");
  });

  it("rejects out-of-range values with a readable message", () => {
    expect(invalid("61 * * * *").message).toBe('cron "61 * * * *": minute 61 is outside 0-59');
    expect(invalid("0 24 * * *").message).toContain("hour 24 is outside 0-23");
    expect(invalid("0 0 0 * *").message).toContain("day-of-month 0 is outside 1-31");
    expect(invalid("0 0 32 * *").message).toContain("day-of-month 32 is outside 1-31");
    expect(invalid("0 0 * 13 *").message).toContain("month 13 is outside 1-12");
    expect(invalid("0 0 * * 8").message).toContain("day-of-week 8 is outside 0-7");
    expect(invalid("0-60 * * * *").message).toContain("minute 60 is outside 0-59");
  });

  it("rejects the wrong number of fields", () => {
    expect(invalid("* * * *").message).toContain("expected 5 fields");
    expect(invalid("* * * * * *").message).toContain("got 6");
    expect(invalid("").message).toContain("got 0");
    expect(invalid("   ").message).toContain("got 0");
  });

  it("rejects empty parts, bad steps, reversed ranges and unknown names", () => {
    expect(invalid("1,,2 * * * *").message).toContain("empty list item");
    expect(invalid("1, * * * *").message).toContain("empty list item");
    expect(invalid("/5 * * * *").message).toContain("minute");
    expect(invalid("*/0 * * * *").message).toContain('step "0"');
    expect(invalid("*/ * * * *").message).toContain("step");
    expect(invalid("*/x * * * *").message).toContain('step "x"');
    expect(invalid("1/2/3 * * * *").message).toContain("minute");
    expect(invalid("5-1 * * * *").message).toContain("runs backwards");
    expect(invalid("0 0 * * FRI-MON").message).toContain("runs backwards");
    expect(invalid("1- * * * *").message).toContain("missing a number");
    expect(invalid("1-2-3 * * * *").message).toContain("minute");
    expect(invalid("0 0 * FOO *").message).toContain('month "FOO"');
    expect(invalid("0 0 * * FUNDAY").message).toContain('day-of-week "FUNDAY"');
    expect(invalid("0 0 * JAN-FOO *").message).toContain('month "FOO"');
    expect(invalid("MON * * * *").message).toContain('minute "MON" is not a number');
    expect(invalid("0 0 * * L").message).toContain("day-of-week");
    expect(invalid("? * * * *").message).toContain("minute");
  });
});
