import type { ConsentGrant, ConsentRequest, JournalEntry } from "../../src/protocol/index.ts";

/**
 * Consent as the journal tells it: requests waiting for the person, and grants in force. Folded
 * from journal rows, so a reloaded page shows the same dialog and badge as before.
 */
export class ConsentState {
  readonly pending = new Map<string, ConsentRequest>();
  readonly grants = new Map<string, ConsentGrant>();

  /** Returns whether anything changed. */
  apply(entries: JournalEntry[]): boolean {
    let changed = false;
    for (const { type, payload, opKey } of entries) {
      if (type === "consent.requested") {
        this.pending.set(opKey ?? "", payload as unknown as ConsentRequest);
        changed = true;
      } else if (type === "consent.granted") {
        const grant = payload as unknown as ConsentGrant;
        if (grant.expiresAt > Date.now()) this.grants.set(grant.id, grant);
        changed = this.pending.delete(opKey ?? "") || true;
      } else if (type === "consent.revoked") {
        changed = this.grants.delete(String((payload as { consentId?: unknown }).consentId)) || changed;
      } else if (type === "consent.declined" || type === "step.leased" || type === "step.completed") {
        // Answered, or the step found another way (a recovered device): no longer a question.
        changed = this.pending.delete(opKey ?? "") || changed;
      }
      if (type === "assistant.message" || type === "turn.failed") {
        // Allow-once grants end with their turn.
        for (const [id, grant] of this.grants) if (grant.scope === "turn") changed = this.grants.delete(id) || changed;
      }
    }
    return changed;
  }
}
