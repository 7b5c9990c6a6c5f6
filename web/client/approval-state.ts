import type { JournalEntry, JsonObject, ToolEffect } from "../../src/protocol/index.ts";

/** An action the session will not take until a person decides, as the journal tells it. */
export interface PendingApproval {
  opKey: string;
  tool: string;
  args: JsonObject;
  /** What running it does: `external` acts outside the app (an email is sent). */
  effect: ToolEffect | null;
  /** After this the session refuses the action by itself. */
  expiresAt: number;
  /** Who may decide: this device (the session lets the person approve their own actions) or only an approver token. */
  decidedBy: "device" | "approver";
}

const DECIDED = new Set(["approval.granted", "approval.rejected", "approval.expired"]);

/**
 * Approvals as the journal tells it: folded from rows, so a reloaded page, a second tab and a
 * decision made over HTTP all end in the same list.
 */
export class ApprovalState {
  readonly pending = new Map<string, PendingApproval>();
  private selfApproval = false;

  /** Returns whether the pending list changed. */
  apply(entries: JournalEntry[]): boolean {
    let changed = false;
    for (const { type, payload, opKey } of entries) {
      const body = (payload ?? {}) as JsonObject;
      if (type === "session.created") this.selfApproval = body.selfApproval === true;
      if (type === "approval.requested" && opKey) {
        this.pending.set(opKey, {
          opKey,
          tool: String(body.tool),
          args: (body.args ?? {}) as JsonObject,
          effect: (body.effect ?? null) as ToolEffect | null,
          expiresAt: Number(body.expiresAt),
          decidedBy: this.selfApproval ? "device" : "approver",
        });
        changed = true;
      } else if (DECIDED.has(type) && opKey) {
        changed = this.pending.delete(opKey) || changed;
      }
    }
    return changed;
  }
}
