import { DormantError } from "../protocol/index.ts";
import type { SessionStore } from "./session-store.ts";
import type { ToolRunner } from "./tool-runner.ts";

/**
 * Approval decisions. A parked approval is only rows (operation + timer), so the session holds no
 * compute while it waits; the alarm expires it even if the object was evicted meanwhile.
 */
export class Approvals {
  constructor(
    private readonly store: SessionStore,
    /** How a decided approval moves its tool on. */
    private readonly tools: Pick<ToolRunner, "finishFailed" | "armWatchdog">,
  ) {}

  decide(opKey: string, decision: "approve" | "reject", by: string): void {
    const { store } = this;
    const op = store.ops.get(opKey);
    if (!op || op.approval === null) throw new DormantError("not_found", `no approval for operation ${opKey}`);
    const wanted = decision === "approve" ? "granted" : "rejected";
    if (op.approval === wanted) return; // A repeated decision is a no-op, not a second effect.
    if (op.approval !== "pending") {
      throw new DormantError("approval_already_decided", `approval for ${opKey} is already ${op.approval}`);
    }
    store.tx(() => {
      store.timers.clear("approval", opKey);
      store.ops.update(opKey, { approval: wanted });
      store.append(decision === "approve" ? "approval.granted" : "approval.rejected", { by }, opKey);
      if (decision === "reject") this.tools.finishFailed(opKey, "rejected_by_user", "the user rejected this action");
      else this.tools.armWatchdog(opKey); // Runnable now: a crash before it starts is found by the alarm.
    });
  }

  expire(opKey: string): void {
    const { store } = this;
    const op = store.ops.get(opKey);
    if (op?.approval !== "pending") return;
    store.tx(() => {
      store.ops.update(opKey, { approval: "expired" });
      store.append("approval.expired", { after: store.meta.approvalTimeoutSeconds }, opKey);
      this.tools.finishFailed(opKey, "approval_expired", "nobody approved this action in time");
    });
  }
}
