import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type JournalEntry, nextCronTime, parseCron, type ScheduleView } from "../../src/protocol/index.ts";
import { api, createSession, errorOf, evict, type TestSession, untilJournal } from "./helpers.ts";

const fired = (entries: JournalEntry[]) => entries.filter((e) => e.type === "schedule.fired");

async function schedule(s: TestSession, body: Record<string, unknown>): Promise<ScheduleView> {
  const res = await s.post("/schedules", body);
  expect(res.status).toBe(201);
  return (await res.json()) as ScheduleView;
}

const remove = (s: TestSession, path: string) => api(`/v1/sessions/${s.id}${path}`, { method: "DELETE", token: s.token });
const listed = async (s: TestSession) => ((await (await s.get("/schedules")).json()) as { schedules: ScheduleView[] }).schedules;

describe("per-session schedules", () => {
  it("a schedule set before an eviction fires exactly once afterwards, from the alarm alone", async () => {
    const s = await createSession();
    const at = Date.now() + 1500;
    const set = await schedule(s, { at, text: "Remind me to stretch.", name: "stretch" });
    expect(set).toMatchObject({ kind: "at", nextAt: at, fired: 0 });
    await evict(s);
    const entries = await untilJournal(s, (e) => fired(e).length > 0, "the schedule to fire");
    const [firing] = fired(entries);
    expect(firing!.payload).toMatchObject({ id: set.id, name: "stretch", kind: "at", due: at, missed: 0 });
    expect(firing!.at).toBeGreaterThanOrEqual(at);
    // Its text became a user turn that cites the firing.
    expect(entries.find((e) => e.type === "user.message")?.payload).toMatchObject({ text: "Remind me to stretch.", trigger: firing!.seq });
    await evict(s);
    await runDurableObjectAlarm(s.stub); // Whatever alarm is left runs now: it must not fire again.
    expect(fired(await s.journal())).toHaveLength(1);
    expect((await listed(s))[0]).toMatchObject({ id: set.id, fired: 1, nextAt: null });
  });

  it("a repeating schedule that came due while nothing ran fires once on wake, with its lateness and missed slots", async () => {
    const s = await createSession();
    const set = await schedule(s, { everySeconds: 60, name: "digest" });
    const down = 5 * 60_000 + 7_000;
    // The runtime was down: the slot came due `down` ago and nothing ran since.
    await runInDurableObject(s.stub, async (_instance, state) => {
      const due = Date.now() - down;
      state.storage.sql.exec("UPDATE schedules SET anchor = ?, next_at = ? WHERE id = ?", due - 60_000, due, set.id);
      state.storage.sql.exec("UPDATE timers SET due_at = ? WHERE key = ?", due, `schedule:${set.id}`);
      await state.storage.setAlarm(due);
    });
    await evict(s);
    expect(await runDurableObjectAlarm(s.stub)).toBe(true);
    const [firing, ...more] = fired(await s.journal());
    expect(more).toHaveLength(0);
    const { lateMs, missed } = firing!.payload as { lateMs: number; missed: number };
    expect(lateMs).toBeGreaterThanOrEqual(down);
    expect(missed).toBe(Math.floor(lateMs / 60_000));
    const [after] = await listed(s);
    expect(after!.fired).toBe(1);
    expect(after!.nextAt!).toBeGreaterThan(Date.now());
    expect(after!.nextAt! - firing!.at).toBeLessThanOrEqual(60_000);
    await runDurableObjectAlarm(s.stub); // Not due yet: nothing fires.
    expect(fired(await s.journal())).toHaveLength(1);
  });

  it("a cron schedule is due at its next minute; cancelling it removes its timer", async () => {
    const s = await createSession();
    const before = Date.now();
    const set = await schedule(s, { cron: "*/5 * * * *" });
    expect(set.nextAt).toBe(nextCronTime(parseCron("*/5 * * * *"), before));
    const res = await remove(s, `/schedules/${set.id}`);
    expect(res.status).toBe(200);
    expect(await listed(s)).toEqual([]);
    expect((await s.types()).slice(-2)).toEqual(["schedule.created", "schedule.deleted"]);
    const timers = await runInDurableObject(s.stub, (_i, state) => state.storage.sql.exec("SELECT key FROM timers").toArray());
    expect(timers).toEqual([]);
    expect(await errorOf(await remove(s, `/schedules/${set.id}`))).toEqual({ status: 404, code: "not_found" });
  });

  it("refuses malformed schedules and viewers with typed errors", async () => {
    const s = await createSession();
    for (const body of [{}, { at: Date.now() + 60_000, cron: "* * * * *" }, { cron: "61 * * * *" }, { everySeconds: 5 }, { at: "soon" }]) {
      expect(await errorOf(await s.post("/schedules", body))).toEqual({ status: 400, code: "invalid_request" });
    }
    const viewer = await s.as("viewer");
    expect(await errorOf(await viewer.post("/schedules", { everySeconds: 60 }))).toEqual({ status: 403, code: "forbidden" });
    expect(await listed(s)).toEqual([]);
  });
});
