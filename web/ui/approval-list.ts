import type { PendingApproval } from "../client/approval-state.ts";

const EFFECT: Record<string, string> = {
  external: "acts outside this app and cannot be undone",
  idempotent: "changes data in this app",
  none: "only reads",
};

/** "email bob@example.com" style summary lines: one per argument, in the order the tool declared them. */
const argumentLines = (approval: PendingApproval) => Object.entries(approval.args).map(([key, value]) => `${key}: ${String(value)}`);

/**
 * Actions waiting for a person, inline in the conversation: what would run (tool and arguments),
 * what it does, until when it waits, and Approve / Reject where this page may decide. Re-render it
 * whenever the client's approvals change; a decision made elsewhere removes its card.
 */
export function renderApprovals(
  container: HTMLElement,
  pending: readonly PendingApproval[],
  onDecide: (opKey: string, decision: "approve" | "reject") => void,
): void {
  container.classList.add("dormant-approvals");
  container.hidden = pending.length === 0;
  container.replaceChildren(
    ...pending.map((approval) => {
      const card = document.createElement("section");
      card.className = "dormant-approval";
      card.dataset.opKey = approval.opKey;
      card.setAttribute("part", "approval");
      card.setAttribute("aria-label", `approval for ${approval.tool}`);
      const title = document.createElement("h3");
      title.textContent = `Approve ${approval.tool}?`;
      const args = document.createElement("ul");
      args.className = "args";
      args.replaceChildren(...argumentLines(approval).map((line) => Object.assign(document.createElement("li"), { textContent: line })));
      const effect = document.createElement("p");
      effect.className = "effect";
      const until = new Date(approval.expiresAt).toLocaleTimeString();
      effect.textContent = `This ${EFFECT[approval.effect ?? "none"] ?? "runs a tool"}. It waits for a decision until ${until}.`;
      card.append(title, args, effect);
      if (approval.decidedBy === "device") {
        for (const decision of ["approve", "reject"] as const) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = decision;
          button.textContent = decision === "approve" ? "Approve" : "Reject";
          button.addEventListener("click", () => {
            for (const b of card.querySelectorAll("button")) b.disabled = true;
            onDecide(approval.opKey, decision);
          });
          card.append(button);
        }
      } else {
        card.append(Object.assign(document.createElement("p"), { className: "who", textContent: "Waiting for an approver to decide." }));
      }
      return card;
    }),
  );
}
