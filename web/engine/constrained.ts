import { LogitsProcessor, type Tensor } from "@huggingface/transformers";
import { type ChatMessage, requestText, type ToolSpec } from "../../src/protocol/index.ts";
import { ANSWER_START, type AnswerState, concat, type Expect, FreeAnswer } from "./free-answer.ts";
import { CallGrammar, type CallState } from "./tool-grammar.ts";
import { allows, allowThroughTrie, type VocabBytes, walkBytes } from "./vocab.ts";

/**
 * How likely `<|call|>` must be to start a call the model did not pick, when the request holds
 * something a tool reads (decisions/0008): between the most likely call among chat rows that name a
 * place (0.036) and the least likely call the dev and validation sets missed (0.166).
 */
export const READ_CALL_FLOOR = 0.1;

export interface ConstraintOptions {
  /** Whether the turn may be a call (off when an earlier attempt was declined). */
  calls: boolean;
  /** What a retry must write (free-answer.ts); null on a first attempt. */
  expect: Expect | null;
  /** Whether an answer may be decoded again (off on the last attempt). */
  retry: boolean;
}

/**
 * Constrained decoding of one assistant turn. The first token chooses: `<|call|>` starts a tool
 * call, which can then only be a valid call of an offered tool (CallGrammar) followed by
 * `<|end|>`; anything else is a free-form answer, where only `<|end|>` of the special tokens may
 * appear and numbers, quotes and addresses are copies (FreeAnswer). `malformed_model_output`
 * cannot come out for a call unless the token budget runs out. A call whose name the model itself
 * steers toward a tool the turn does not offer is `declined`, and an answer that begins an address
 * no source holds, or would end on a number the tool result does not hold, is to be redone: the
 * turn ends there and decodeTurn decodes it again.
 */
export class ToolCallConstraint extends LogitsProcessor {
  private readonly vocab: VocabBytes;
  private grammar: CallGrammar;
  /** The offered tools that read something in the request; the grammar of a call the model did not pick. */
  private readonly readers: CallGrammar;
  /** Whether this call was started for the model (READ_CALL_FLOOR): it then names a reader, never declines. */
  private forced = false;
  readonly answers: FreeAnswer;
  private readonly promptLength: number;
  private readonly calls: boolean;
  private state: CallState;
  private answer: AnswerState = ANSWER_START;
  /** The free answer's bytes so far, token by token. */
  private readonly written: Uint8Array[] = [];
  /** Generated tokens already folded into `state` (a call) or `answer` (a free answer). */
  private folded = 0;
  private readonly callStep: (state: CallState, byte: number) => CallState | null;
  declined = false;
  /** Set when the answer went wrong where a retry can fix it (free-answer.ts): what the retry must write. */
  redo: Expect | null = null;

  constructor(
    vocab: VocabBytes,
    tools: readonly ToolSpec[],
    context: readonly ChatMessage[],
    promptLength: number,
    options: ConstraintOptions,
  ) {
    super();
    this.vocab = vocab;
    const request = requestText(context);
    this.grammar = new CallGrammar(tools, request);
    this.readers = new CallGrammar(
      tools.filter((tool) => Object.keys(tool.choices ?? {}).length > 0),
      request,
    );
    this.answers = new FreeAnswer(context, options);
    this.promptLength = promptLength;
    this.calls = options.calls && this.grammar.offersAny();
    this.state = this.grammar.start();
    this.callStep = (state, byte) => this.grammar.step(state, byte);
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    const generated = inputIds[0]!.slice(this.promptLength).map(Number);
    const scores = (logits as unknown as Tensor[])[0]!.data as Float32Array;
    const { bytes, end, call } = this.vocab;
    const inCall = generated[0] === call;
    for (; this.folded < generated.length; this.folded++) {
      const token = bytes[generated[this.folded]!];
      if (!token) continue; // <|call|> itself: the grammar starts after it.
      if (inCall) this.state = walkBytes(this.state, token, this.callStep) ?? this.state;
      else {
        this.answer = walkBytes(this.answer, token, this.answers.step) ?? { ...ANSWER_START, pos: this.answer.pos + token.length };
        this.written.push(token);
      }
    }
    const best = argmax(scores);
    if (!inCall) return this.free(generated, scores, logits, best);
    const top = bytes[best];
    if (this.declined || (!this.forced && top && this.grammar.reachesUnoffered(this.state, top))) {
      this.declined = true;
      return only(scores, logits, end);
    }
    // Decoding is greedy: when the model's own pick is allowed, it is the pick under the full mask too.
    if (best === end ? this.grammar.accepting(this.state) : allows(top, this.state, this.callStep)) return only(scores, logits, best);
    const allowed = new Uint8Array(scores.length);
    allowThroughTrie(this.vocab.trie, this.state, this.callStep, allowed);
    if (this.grammar.accepting(this.state)) allowed[end] = 1;
    let any = false;
    for (let id = 0; id < scores.length; id++) {
      if (allowed[id]) any = true;
      else scores[id] = -Infinity;
    }
    // A dead end (the budget or the sources ran out): end the turn rather than loop.
    if (!any) scores[end] = 0;
    return logits;
  }

  /** A free-form answer: no chat-format token but <|end|>, that only after visible text and with the answer's copies whole. */
  private free(generated: number[], scores: Float32Array, logits: Tensor, best: number): Tensor {
    const { bytes, end, call } = this.vocab;
    if (this.redo) return only(scores, logits, end);
    const said = generated.some((id) => bytes[id]?.some((b) => b > 0x20));
    const mayEnd = said && this.answers.complete(this.answer);
    const mayCall = generated.length === 0 && this.calls;
    if (mayCall && best !== call && this.readers.offersAny() && share(scores, call, best) >= READ_CALL_FLOOR) {
      this.forced = true;
      this.grammar = this.readers;
      this.state = this.readers.start();
      return only(scores, logits, call);
    }
    const top = bytes[best];
    if (best === end && mayEnd) this.redo = this.answers.miscited(this.answer, concat(...this.written));
    if (best === end ? mayEnd : best === call ? mayCall : allows(top, this.answer, this.answers.step)) return only(scores, logits, best);
    this.redo = top ? this.answers.misaddressed(this.answer, top, concat(...this.written)) : null;
    if (this.redo) return only(scores, logits, end);
    const allowed = new Uint8Array(scores.length);
    allowThroughTrie(this.vocab.trie, this.answer, this.answers.step, allowed);
    allowed[end] = mayEnd ? 1 : 0;
    allowed[call] = mayCall ? 1 : 0;
    for (let id = 0; id < scores.length; id++) if (!allowed[id]) scores[id] = -Infinity;
    return logits;
  }
}

/** The mask that leaves one token: the greedy pick when it is allowed, or `<|end|>` to stop an attempt. */
function only(scores: Float32Array, logits: Tensor, id: number): Tensor {
  scores.fill(-Infinity);
  scores[id] = 0;
  return logits;
}

/** The softmax probability of `id`; `best` is the top score's index, already known to the caller. */
function share(scores: Float32Array, id: number, best: number): number {
  const top = scores[best]!;
  let sum = 0;
  for (const score of scores) sum += Math.exp(score - top);
  return Math.exp(scores[id]! - top) / sum;
}

function argmax(scores: Float32Array): number {
  let best = 0;
  for (let id = 1; id < scores.length; id++) if (scores[id]! > scores[best]!) best = id;
  return best;
}
