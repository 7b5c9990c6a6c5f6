import type { ConsentGrant } from "../../src/protocol/index.ts";

/**
 * The persistent "running hosted" badge: shown while any grant is in force, with what it allows
 * and a Revoke button for each. Re-render it whenever the client's consent state changes.
 */
export function renderHostedBadge(container: HTMLElement, grants: readonly ConsentGrant[], onRevoke: (consentId: string) => void): void {
  container.classList.add("dormant-hosted-badge");
  container.setAttribute("role", "status");
  container.hidden = grants.length === 0;
  container.replaceChildren(
    ...grants.map((grant) => {
      const item = document.createElement("span");
      item.dataset.consentId = grant.id;
      const scope = grant.scope === "session" ? "for this session" : "for this turn";
      item.textContent = `Running hosted: ${grant.provider}/${grant.model} (${scope}) `;
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.textContent = "Revoke";
      revoke.setAttribute("aria-label", `Revoke hosted inference ${scope}`);
      revoke.addEventListener("click", () => onRevoke(grant.id));
      item.append(revoke);
      return item;
    }),
  );
}
