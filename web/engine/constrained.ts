import { LogitsProcessor, LogitsProcessorList, type Tensor } from "@huggingface/transformers";
import { CHAT_TOKENS, requestText, type ChatMessage, type Json, type ToolSpec } from "../../src/protocol/index.ts";
import { NumberCopy } from "./number-copy.ts";
import { OUTSIDE, QuoteCopy, type QuoteState } from "./quote-copy.ts";
import { CallGrammar, type CallState } from "./tool-grammar.ts";

/** A tokenizer's vocabulary as bytes (byte-level BPE), with the chat format's special tokens. */
export interface VocabBytes {
  /** Bytes of each token id; null for special tokens. */
  bytes: (Uint8Array | null)[];
  /** The same tokens as a byte trie: tokens sharing a prefix are checked against the grammar once. */
  trie: TrieNode;
  end: number;
  call: number;
}

export interface TrieNode {
  next: Map<number, TrieNode>;
  /** Tokens whose bytes end at this node. */
  ids: number[];
}

function buildTrie(bytes: (Uint8Array | null)[]): TrieNode {
  const root: TrieNode = { next: new Map(), ids: [] };
  bytes.forEach((token, id) => {
    if (!token || token.length === 0) return;
    let node = root;
    for (const byte of token) {
      let child = node.next.get(byte);
      if (!child) node.next.set(byte, (child = { next: new Map(), ids: [] }));
      node = child;
    }
    node.ids.push(id);
  });
  return root;
}

/** GPT-2's byte-level alphabet: each byte is written as one printable character in the vocab. */
function byteDecoder(): Map<string, number> {
  const printable = [...range(0x21, 0x7e), ...range(0xa1, 0xac), ...range(0xae, 0xff)];
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) map.set(String.fromCharCode(printable.includes(b) ? b : 256 + extra++), b);
  return map;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** `vocab`: token → id as the tokenizer reports it (`tokenizer.get_vocab()`). */
export function vocabBytes(vocab: Map<string, number> | Record<string, number>): VocabBytes {
  const entries = vocab instanceof Map ? [...vocab] : Object.entries(vocab);
  const decode = byteDecoder();
  const specials = new Set<string>(Object.values(CHAT_TOKENS));
  const bytes: (Uint8Array | null)[] = [];
  const ids: Record<string, number> = {};
  for (const [token, id] of entries) {
    ids[token] = id;
    bytes[id] = specials.has(token) ? null : Uint8Array.from([...token], (ch) => decode.get(ch) ?? 0x3f);
  }
  const special = (token: string) => {
    const id = ids[token];
    if (id === undefined) throw new Error(`the vocabulary has no ${token}`);
    return id;
  };
  return { bytes, trie: buildTrie(bytes), end: special(CHAT_TOKENS.end), call: special(CHAT_TOKENS.call) };
}

/** Where an answer's numbers may come from: what the user wrote and what the tools returned. */
function numberSources(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? [JSON.stringify(m.content)] : []));
}

/** What an answer may quote: what the user wrote, the calls' arguments and the tools' string results, as text (never JSON). */
function quoteSources(messages: readonly ChatMessage[]): string[] {
  const strings = (value: Json): string[] => (typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(strings) : []);
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? strings(m.content) : "toolCall" in m ? strings(m.toolCall.args) : []));
}

/** Where a free answer stands: the number being written ("" when none) and any open quote. */
interface AnswerState {
  run: string;
  quote: QuoteState;
}

/**
 * Constrained decoding of one assistant turn. The first token chooses: `<|call|>` starts a tool
 * call, which can then only be a valid call of an offered tool (CallGrammar) followed by
 * `<|end|>`; anything else is a free-form answer, where only `<|end|>` of the special tokens may
 * appear, numbers are copies of numbers in the sources (NumberCopy) and quotes copies of spans (QuoteCopy). `malformed_model_output`
 * cannot come out for a call unless the token budget runs out. A call whose name the model itself
 * steers toward a tool the turn does not offer is `declined`: the turn ends there and decodeTurn
 * decodes it again as an answer.
 */
export class ToolCallConstraint extends LogitsProcessor {
  private readonly vocab: VocabBytes;
  private readonly grammar: CallGrammar;
  private readonly numbers: NumberCopy;
  private readonly quotes: QuoteCopy;
  private readonly promptLength: number;
  private readonly calls: boolean;
  private state: CallState;
  private answer: AnswerState = { run: "", quote: OUTSIDE };
  /** Generated tokens already folded into `state` (a call) or `answer` (a free answer). */
  private folded = 0;
  private readonly callStep: (state: CallState, byte: number) => CallState | null;
  private readonly answerStep: (state: AnswerState, byte: number) => AnswerState | null;
  declined = false;

  constructor(vocab: VocabBytes, tools: readonly ToolSpec[], context: readonly ChatMessage[], promptLength: number, calls = true) {
    super();
    this.vocab = vocab;
    this.grammar = new CallGrammar(tools, requestText(context));
    this.numbers = new NumberCopy(numberSources(context));
    this.quotes = new QuoteCopy(quoteSources(context));
    this.promptLength = promptLength;
    this.calls = calls && this.grammar.offersAny();
    this.state = this.grammar.start();
    this.callStep = (state, byte) => this.grammar.step(state, byte);
    this.answerStep = (state, byte) => {
      const run = this.numbers.step(state.run, byte);
      const quote = run === null ? null : this.quotes.step(state.quote, byte);
      return quote === null ? null : { run: run!, quote };
    };
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
      else this.answer = walkBytes(this.answer, token, this.answerStep) ?? { run: "", quote: OUTSIDE };
    }
    if (!inCall) return this.free(generated, scores, logits);
    const top = bytes[argmax(scores)];
    if (this.declined || (top && this.grammar.reachesUnoffered(this.state, top))) {
      this.declined = true;
      scores.fill(-Infinity);
      scores[end] = 0;
      return logits;
    }
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

  /** A free-form answer: no chat-format token but <|end|>, that only after visible text, numbers and quotes copied. */
  private free(generated: number[], scores: Float32Array, logits: Tensor): Tensor {
    const { bytes, end, call } = this.vocab;
    const said = generated.some((id) => bytes[id]?.some((b) => b > 0x20));
    const allowed = new Uint8Array(scores.length);
    allowThroughTrie(this.vocab.trie, this.answer, this.answerStep, allowed);
    allowed[end] = said && this.numbers.complete(this.answer.run) && this.quotes.complete(this.answer.quote) ? 1 : 0;
    allowed[call] = generated.length === 0 && this.calls ? 1 : 0;
    for (let id = 0; id < scores.length; id++) if (!allowed[id]) scores[id] = -Infinity;
    return logits;
  }
}

/** Marks every token reachable from `state` through the trie: a dead prefix prunes its whole subtree. */
function allowThroughTrie<S>(node: TrieNode, state: S, step: (state: S, byte: number) => S | null, allowed: Uint8Array): void {
  for (const [byte, child] of node.next) {
    const next = step(state, byte);
    if (next === null) continue;
    for (const id of child.ids) allowed[id] = 1;
    allowThroughTrie(child, next, step, allowed);
  }
}

/** `state` after each byte of `token` in turn, or null as soon as `step` refuses one. */
function walkBytes<S>(state: S, token: Uint8Array, step: (state: S, byte: number) => S | null): S | null {
  let current: S | null = state;
  for (const byte of token) {
    current = step(current, byte);
    if (current === null) return null;
  }
  return current;
}

function argmax(scores: Float32Array): number {
  let best = 0;
  for (let id = 1; id < scores.length; id++) if (scores[id]! > scores[best]!) best = id;
  return best;
}

/**
 * Decodes one turn: `run` generates with the `logits_processor` list it is given, `before` (a chaos
 * lever) first, then the constraint unless `tools` is null (unconstrained, as the eval's baseline).
 * A declined call is decoded again with calls off; its text never reaches `onText`, because call
 * text is held until its attempt ends.
 */
export async function decodeTurn<T>(
  vocab: VocabBytes,
  tools: readonly ToolSpec[] | null,
  context: readonly ChatMessage[],
  promptLength: number,
  run: (processors: LogitsProcessorList, onText: (text: string) => void) => Promise<T>,
  options: { before?: LogitsProcessor[]; onText?: (text: string) => void } = {},
): Promise<T> {
  const attempt = async (calls: boolean) => {
    const list = new LogitsProcessorList();
    list.extend(options.before ?? []);
    const constraint = tools ? new ToolCallConstraint(vocab, tools, context, promptLength, calls) : null;
    if (constraint) list.push(constraint);
    const held: string[] = [];
    let holding: boolean | null = null;
    const output = await run(list, (text) => {
      holding ??= text.startsWith(CHAT_TOKENS.call);
      if (holding) held.push(text);
      else options.onText?.(text);
    });
    if (!constraint?.declined) held.forEach((text) => options.onText?.(text));
    return { output, declined: constraint?.declined ?? false };
  };
  const first = await attempt(true);
  return first.declined ? (await attempt(false)).output : first.output;
}
