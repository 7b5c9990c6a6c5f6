import { LogitsProcessorList, type LogitsProcessor } from "@huggingface/transformers";
import { CHAT_TOKENS, type ChatMessage, type ToolSpec } from "../../src/protocol/index.ts";
import { ToolCallConstraint } from "./constrained.ts";
import type { Expect } from "./free-answer.ts";
import type { VocabBytes } from "./vocab.ts";

/** Retries of a misaddressed answer: each pins one more address, so a few cover any real answer. */
const ADDRESS_RETRIES = 3;

/** Where text is handed on up to: the end of the last whole word, or everything. */
const lastWordEnd = (text: string) => Math.max(text.lastIndexOf(" "), text.lastIndexOf("\n")) + 1;

/**
 * Decodes one turn: `run` generates with the `logits_processor` list it is given, `before` (a chaos
 * lever) first, then the constraint unless `tools` is null (unconstrained, as the eval's baseline).
 * A declined call is decoded again with calls off, and a misaddressed answer again with the
 * address required (constrained.ts). Greedy decoding repeats an attempt's text up to where it went
 * wrong, so what reached `onText` stays true: call text is held until its attempt ends, a word
 * that may still be retried until it ends, and a retry hands on only what is new.
 */
export async function decodeTurn<T>(
  vocab: VocabBytes,
  tools: readonly ToolSpec[] | null,
  context: readonly ChatMessage[],
  promptLength: number,
  run: (processors: LogitsProcessorList, onText: (text: string) => void) => Promise<T>,
  options: { before?: LogitsProcessor[]; onText?: (text: string) => void } = {},
): Promise<T> {
  let sent = 0;
  const attempt = async (calls: boolean, expect: Expect | null, retry: boolean) => {
    const list = new LogitsProcessorList();
    list.extend(options.before ?? []);
    const constraint = tools ? new ToolCallConstraint(vocab, tools, context, promptLength, { calls, expect, retry }) : null;
    if (constraint) list.push(constraint);
    let text = "";
    let isCall: boolean | null = null;
    const pass = (upTo: number) => {
      if (upTo > sent) options.onText?.(text.slice(sent, upTo));
      sent = Math.max(sent, upTo);
    };
    const output = await run(list, (chunk) => {
      text += chunk;
      isCall ??= text.startsWith(CHAT_TOKENS.call);
      if (!isCall) pass(constraint?.answers.retries ? lastWordEnd(text) : text.length);
    });
    const again = constraint?.declined || constraint?.misaddressed;
    if (!again) pass(text.length);
    return { output, declined: constraint?.declined ?? false, misaddressed: constraint?.misaddressed ?? null };
  };
  let result = await attempt(true, null, true);
  if (result.declined) result = await attempt(false, null, true);
  for (let retries = 1; result.misaddressed; retries++) result = await attempt(false, result.misaddressed, retries < ADDRESS_RETRIES);
  return result.output;
}
