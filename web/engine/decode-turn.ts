import { type LogitsProcessor, LogitsProcessorList } from "@huggingface/transformers";
import { CHAT_TOKENS, type ChatMessage, type ToolSpec } from "../../src/protocol/index.ts";
import { ToolCallConstraint } from "./constrained.ts";
import type { Expect, Hold } from "./free-answer.ts";
import type { VocabBytes } from "./vocab.ts";

/** Retries of an answer: each pins one more address or cited number, so a few cover any real answer. */
const ANSWER_RETRIES = 3;

/** How far an answer's text may be handed on while the attempt may still be redone. */
const passable = (text: string, hold: Hold) =>
  hold === "none" ? text.length : hold === "word" ? Math.max(text.lastIndexOf(" "), text.lastIndexOf("\n")) + 1 : 0;

/**
 * Decodes one turn: `run` generates with the `logits_processor` list it is given, `before` (a chaos
 * lever) first, then the constraint unless `tools` is null (unconstrained, as the eval's baseline).
 * A declined call is decoded again with calls off, and an answer that went wrong again with what
 * it must write there (an address, a cited number; constrained.ts). Greedy decoding repeats an
 * attempt's text up to where it went wrong, so what reached `onText` stays true: call text is held
 * until its attempt ends, answer text as long as it may be redone (a word that may become an
 * address, or all of an answer that must end on the result's number), and a retry hands on only
 * what is new.
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
      if (!isCall) pass(passable(text, constraint?.answers.holds ?? "none"));
    });
    const again = constraint?.declined || constraint?.redo;
    if (!again) pass(text.length);
    return { output, declined: constraint?.declined ?? false, redo: constraint?.redo ?? null };
  };
  let result = await attempt(true, null, true);
  if (result.declined) result = await attempt(false, null, true);
  for (let retries = 1; result.redo; retries++) result = await attempt(false, result.redo, retries < ANSWER_RETRIES);
  return result.output;
}
