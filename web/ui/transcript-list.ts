import type { TranscriptMessage } from "../client/transcript.ts";
import { badgeText, evidenceText } from "./view.ts";

/**
 * Appends a journaled message to `list` (an <ol>), replacing its streamed draft, with a badge that
 * says where it ran. Items carry `part`s so an embedding page can style them (`::part(message)`).
 */
export function renderMessage(list: HTMLElement, message: TranscriptMessage): void {
  list.querySelector(`[data-stream="${message.opKey}"]`)?.remove();
  const item = document.createElement("li");
  item.className = message.role;
  item.setAttribute("part", `message ${message.role}`);
  item.dataset.seq = String(message.seq);
  item.textContent = message.text;
  const badge = badgeText(message.origin);
  if (badge) {
    const span = document.createElement("span");
    span.className = `badge ${message.origin?.kind ?? ""}`;
    span.setAttribute("part", "badge");
    span.dataset.origin = message.origin?.kind ?? "";
    span.textContent = badge;
    item.append(span);
  }
  if (message.evidence) {
    // Where and how this step ran, for anyone reviewing the conversation (GET …/evidence has all steps).
    const details = document.createElement("details");
    details.setAttribute("part", "evidence");
    const summary = Object.assign(document.createElement("summary"), { textContent: "how this ran" });
    details.append(summary, Object.assign(document.createElement("span"), { textContent: evidenceText(message.evidence) }));
    item.append(details);
  }
  list.append(item);
}

/** Shows the text streamed so far for the step `opKey`, until its message is journaled. */
export function renderDraft(list: HTMLElement, opKey: string, text: string): void {
  let item = list.querySelector<HTMLElement>(`[data-stream="${opKey}"]`);
  if (!item) {
    item = document.createElement("li");
    item.className = "assistant streaming";
    item.setAttribute("part", "message assistant streaming");
    item.dataset.stream = opKey;
    list.append(item);
  }
  item.textContent = text;
}

/** Fills a table body with label / value rows (the cold-start phases). */
export function renderRows(body: HTMLElement, rows: readonly [string, string][]): void {
  body.replaceChildren(
    ...rows.map(([label, value]) => {
      const row = document.createElement("tr");
      row.append(
        Object.assign(document.createElement("td"), { textContent: label }),
        Object.assign(document.createElement("td"), { textContent: value }),
      );
      return row;
    }),
  );
}
