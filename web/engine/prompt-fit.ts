import { type ChatMessage, renderPrompt } from "../../src/protocol/index.ts";

/** Tokens kept free for the answer when old turns must be dropped to fit the context. */
const MIN_ROOM = 48;

/**
 * The prompt for `messages`, dropping the oldest turns (whole turns, from a user message on)
 * until it leaves room for the answer in `contextLength`. Throws RangeError when even the last
 * turn does not fit: on a device that is a reason to step down the ladder.
 */
export function fitPrompt(
  encode: (text: string) => number[],
  messages: ChatMessage[],
  contextLength: number,
  maxNewTokens: number,
): { ids: number[]; room: number } {
  for (let start = 0; start < messages.length; start++) {
    if (start > 0 && messages[start]?.role !== "user") continue;
    const ids = encode(renderPrompt(messages.slice(start)));
    const room = contextLength - ids.length;
    if (room >= Math.min(MIN_ROOM, maxNewTokens)) return { ids, room };
  }
  throw new RangeError(`the last turn does not fit a ${contextLength}-token context`);
}
