import { DormantError, nextFiring, type ScheduleRequest, type ScheduleView } from "../protocol/index.ts";
import { INBOX_RETRY_AFTER_S, MAX_SCHEDULES } from "./limits.ts";
import type { SessionStore } from "./session-store.ts";
import type { TurnStarter } from "./trigger-intake.ts";

/** Slots of a schedule missed while nothing ran (counted up to this many). */
const MISSED_COUNTED = 1000;

/**
 * Per-session schedules over the session's one alarm: each schedule is a row plus a `schedule`
 * timer. A firing, the timer's removal and the next timer commit in the alarm's transaction, so
 * an eviction, crash or redeploy can neither lose a firing nor repeat one. A schedule that came
 * due while nothing ran fires once, late, with its lateness and the slots it missed journaled.
 */
export class Scheduler {
  constructor(
    private readonly store: SessionStore,
    private readonly turns: TurnStarter,
  ) {}

  create(request: ScheduleRequest, now: number): ScheduleView {
    const { store } = this;
    return store.tx(() => {
      if (store.schedules.count() >= MAX_SCHEDULES)
        throw new DormantError("conflict", `a session may have at most ${MAX_SCHEDULES} schedules`);
      const id = crypto.randomUUID();
      const nextAt = request.kind === "at" ? Number(request.spec) : nextFiring(request.kind, request.spec, now, now);
      store.schedules.insert(id, request, now, nextAt);
      if (nextAt !== null) store.timers.set("schedule", id, nextAt);
      store.append("schedule.created", { id, ...request, nextAt });
      return store.schedules.get(id)!.schedule;
    });
  }

  cancel(id: string): { id: string; deleted: true } {
    const { store } = this;
    return store.tx(() => {
      if (!store.schedules.delete(id)) throw new DormantError("not_found", "no such schedule");
      store.timers.clear("schedule", id);
      store.append("schedule.deleted", { id });
      return { id, deleted: true as const };
    });
  }

  /** Inside the alarm's transaction: schedule `id`'s timer came due. */
  fire(id: string, now: number): void {
    const { store } = this;
    const found = store.schedules.get(id);
    const due = found?.schedule.nextAt ?? null;
    if (!found || due === null) return;
    const { schedule, anchor } = found;
    if (schedule.text !== null && store.ops.open().length > 0 && store.inbox.full()) {
      // Its turn could not even wait in the inbox: it fires later instead of being lost.
      store.timers.set("schedule", id, now + INBOX_RETRY_AFTER_S * 1000);
      return;
    }
    const next = (after: number) => nextFiring(schedule.kind, schedule.spec, anchor, after);
    let missed = 0;
    for (let t = next(due); t !== null && t <= now && missed < MISSED_COUNTED; t = next(t)) missed++;
    const { name, kind } = schedule;
    const entry = store.append("schedule.fired", { id, name, kind, due, lateMs: Math.max(0, now - due), missed });
    if (schedule.text !== null) this.turns.userTurn(schedule.text, entry.seq);
    const nextAt = next(now);
    store.schedules.fired(id, now, nextAt);
    if (nextAt !== null) store.timers.set("schedule", id, nextAt);
  }
}
