import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentSession } from "../../src/session/agent-session.ts";
import { FAILPOINTS } from "../../src/session/failpoints.ts";
import { EMAIL_ARGS, parkOnEmailApproval } from "./flows.ts";
import { createSession, evict, mailbox, untilJournal, waitFor } from "./helpers.ts";

const WATCHDOG_SECONDS = 1;

describe("a crash at every step boundary of an approved external tool is found by the alarm alone", () => {
  for (const point of FAILPOINTS) {
    it(`${point}: the alarm is armed by the crash's last commit, and it settles the operation with exactly one mail`, async () => {
      const tenant = `crash-${point.replace(/\./g, "-").replace(/_/g, "-")}`;
      const s = await createSession({ tenant, toolWatchdogSeconds: WATCHDOG_SECONDS });
      const { device, opKey } = await parkOnEmailApproval(s);
      device.close();
      const approver = await s.as("approver");
      await runInDurableObject(s.stub, (instance: AgentSession) => instance.failpoints.arm(point));
      const approvedAt = Date.now();
      await approver.post(`/operations/${opKey}/approve`);
      await evict(s);
      const alarm = await runInDurableObject(s.stub, (_instance, state) => state.storage.getAlarm());
      const status = () =>
        runInDurableObject(
          s.stub,
          (_instance, state) =>
            state.storage.sql.exec<{ status: string }>("SELECT status FROM operations WHERE op_key = ?", opKey).one().status,
        );
      if (point === "tool.after_commit") {
        // Committed before the crash: nothing is left to recover, and no timer is needed.
        expect({ alarm, status: await status() }).toEqual({ alarm: null, status: "committed" });
        expect(await mailbox(tenant).list()).toMatchObject([{ ...EMAIL_ARGS, attempts: 1 }]);
        return;
      }
      // What the crash left: the alarm points at a timer no later than the watchdog deadline.
      expect(alarm).not.toBeNull();
      expect(alarm!).toBeLessThanOrEqual(Date.now() + WATCHDOG_SECONDS * 1000);
      expect(alarm!).toBeGreaterThanOrEqual(approvedAt);
      // No client request: only the alarm (workerd may already have run it by itself).
      await waitFor(async () => Date.now() > alarm!, "the alarm's time", 3000);
      await runDurableObjectAlarm(s.stub);
      await waitFor(async () => (await status()) === "committed", "the operation to commit");
      expect(await mailbox(tenant).list()).toMatchObject([{ ...EMAIL_ARGS, attempts: 1 }]);
      const journal = await untilJournal(s, (entries) => entries.some((e) => e.type === "step.completed" && e.opKey === opKey), "commit");
      expect(journal.filter((e) => e.type === "step.completed" && e.opKey === opKey)).toHaveLength(1);
    });
  }
});
