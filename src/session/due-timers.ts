import type { LiveSession } from "./live-session.ts";

/**
 * The alarm's work: the timers due now are taken, and schedules fired, in one transaction (a
 * firing commits with its timer's removal); the other kinds then move their operations on.
 */
export function runDueTimers({ store, loop, approvals, scheduler }: LiveSession, now: number): void {
  const due = store.tx(() => {
    const timers = store.timers.takeDue(now);
    for (const timer of timers) if (timer.kind === "schedule") scheduler.fire(timer.opKey, now);
    return timers;
  });
  for (const timer of due) {
    if (timer.kind === "lease") loop.expireLease(timer.opKey, "lease_timeout");
    else if (timer.kind === "approval") approvals.expire(timer.opKey);
    else if (timer.kind === "status") loop.tools.statusTimerFired(timer.opKey);
    // `watchdog`: the settle that follows finds the runnable or orphaned tool and moves it on.
  }
}
