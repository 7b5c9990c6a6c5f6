import type { AutoModelForCausalLM, AutoTokenizer, LogitsProcessor, TextStreamer } from "@huggingface/transformers";
import type { ChatMessage, ToolSpec } from "../../src/protocol/index.ts";
import { decodeTurn } from "./decode-turn.ts";
import { generatedIds, greedyInputs } from "./greedy-inputs.ts";
import { fitPrompt } from "./prompt-fit.ts";
import { TextSink } from "./text-sink.ts";
import type { VocabBytes } from "./vocab.ts";

export type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
export type CausalLM = Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>;

export interface TurnRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  contextLength: number;
  maxNewTokens: number;
  onText: (text: string) => void;
  /** Hand streamed text on at most this often (ms); every piece when 0. */
  textIntervalMs?: number;
  /** Chaos levers that run before the constraint, given the prompt's length. */
  before?: (promptLength: number) => LogitsProcessor[];
}

/**
 * One greedy turn of our model, as the device engine and the local hosted server both run it: the
 * prompt fitted to the context, decoding constrained by the tools offered (decode-turn.ts), text
 * streamed as it is decoded.
 */
export async function greedyTurn(
  tokenizer: Tokenizer,
  model: CausalLM,
  vocab: VocabBytes,
  request: TurnRequest,
): Promise<{ ids: number[]; text: string; firstTokenAt: number }> {
  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
  const { ids, room } = fitPrompt(encode, request.messages, request.contextLength, request.maxNewTokens);
  let firstTokenAt = 0;
  const generated = await decodeTurn(
    vocab,
    request.tools.length > 0 ? request.tools : null,
    request.messages,
    ids.length,
    async (processors, streamed) => {
      const sink = new TextSink(tokenizer, streamed, request.textIntervalMs ?? 0);
      const output = await model.generate({
        ...greedyInputs(ids, Math.min(request.maxNewTokens, room)),
        logits_processor: processors,
        // The library types `streamer` as a TextStreamer; any BaseStreamer is what it calls.
        streamer: sink as unknown as TextStreamer,
      });
      firstTokenAt ||= sink.firstTokenAt;
      return generatedIds(output, ids.length);
    },
    { before: request.before?.(ids.length) ?? [], onText: request.onText },
  );
  return { ids: generated, text: tokenizer.decode(generated, { skip_special_tokens: false }), firstTokenAt };
}
