import type { ChatMessage } from "../protocol/index.ts";

/**
 * Cuts recent messages to whole turns (from a user message on), the shape every training
 * conversation has. `currentTurnOnly`: just the turn being answered.
 */
export function fitTurns(messages: ChatMessage[], currentTurnOnly: boolean): ChatMessage[] {
  const starts = messages.flatMap((message, index) => (message.role === "user" ? [index] : []));
  if (starts.length === 0) return messages;
  return messages.slice(currentTurnOnly ? starts.at(-1)! : starts[0]!);
}

/** Whether a retry (current turn only) sees a shorter prompt than a first attempt over `messages`. */
export function retryShrinks(messages: ChatMessage[]): boolean {
  return fitTurns(messages, false).length !== fitTurns(messages, true).length;
}
