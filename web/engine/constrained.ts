import { LogitsProcessor, LogitsProcessorList, type Tensor } from "@huggingface/transformers";
import { CHAT_TOKENS, type ChatMessage, type ToolSpec } from "../../src/protocol/index.ts";
import { NumberCopy } from "./number-copy.ts";
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

/**
 * Text a `fromRequest` argument may be copied from: the request being answered, the last user
 * message. Earlier messages were allowed at first, and the model copied an earlier email's body
 * into a new one ("lunch moved to n" for "the report is ready").
 */
export function requestSources(messages: readonly ChatMessage[]): string[] {
  const last = messages.findLast((m) => m.role === "user");
  return last?.role === "user" ? [last.content] : [];
}

/** Where an answer's numbers may come from: what the user wrote and what the tools returned. */
function answerSources(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? [JSON.stringify(m.content)] : []));
}

/**
 * Constrained decoding of one assistant turn. The first token chooses: `<|call|>` starts a tool
 * call, which can then only be a valid call of a registered tool (CallGrammar) followed by
 * `<|end|>`; anything else is a free-form answer, where only `<|end|>` of the special tokens may
 * appear and numbers are copies of numbers in the sources (NumberCopy). `malformed_model_output`
 * cannot come out for a call unless the token budget runs out.
 */
export class ToolCallConstraint extends LogitsProcessor {
  private readonly vocab: VocabBytes;
  private readonly grammar: CallGrammar;
  private readonly numbers: NumberCopy;
  private readonly promptLength: number;
  private state: CallState;
  /** The number being written in a free answer ("" when none). */
  private run = "";
  /** Generated tokens already folded into `state` (a call) or `run` (a free answer). */
  private folded = 0;
  private readonly callStep: (state: CallState, byte: number) => CallState | null;
  private readonly numberStep: (run: string, byte: number) => string | null;

  constructor(vocab: VocabBytes, tools: readonly ToolSpec[], context: readonly ChatMessage[], promptLength: number) {
    super();
    this.vocab = vocab;
    this.grammar = new CallGrammar(tools, requestSources(context));
    this.numbers = new NumberCopy(answerSources(context));
    this.promptLength = promptLength;
    this.state = this.grammar.start();
    this.callStep = (state, byte) => this.grammar.step(state, byte);
    this.numberStep = (run, byte) => this.numbers.step(run, byte);
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
      else this.run = walkBytes(this.run, token, this.numberStep) ?? "";
    }
    if (!inCall) return this.free(generated, scores, logits);
    const allowed = new Uint8Array(scores.length);
    this.allow(this.vocab.trie, this.state, allowed);
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

  /** A free-form answer: no chat-format token but <|end|>, that only after visible text, and numbers copied. */
  private free(generated: number[], scores: Float32Array, logits: Tensor): Tensor {
    const { bytes, end, call } = this.vocab;
    const said = generated.some((id) => bytes[id]?.some((b) => b > 0x20));
    for (let id = 0; id < scores.length; id++) {
      const token = bytes[id];
      const ok = token ? walkBytes(this.run, token, this.numberStep) !== null : (id === end && said && this.numbers.complete(this.run)) || (id === call && generated.length === 0);
      if (!ok) scores[id] = -Infinity;
    }
    return logits;
  }

  /** Marks every token reachable from `state` through the trie: a dead prefix prunes its whole subtree. */
  private allow(node: TrieNode, state: CallState, allowed: Uint8Array): void {
    for (const [byte, child] of node.next) {
      const next = this.grammar.step(state, byte);
      if (!next) continue;
      for (const id of child.ids) allowed[id] = 1;
      this.allow(child, next, allowed);
    }
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

/**
 * `generate`'s `logits_processor` for one turn: `before` (a chaos lever) first, then the
 * constraint when there are tools to constrain to.
 */
export function constrainedDecoding(vocab: VocabBytes, tools: readonly ToolSpec[], context: readonly ChatMessage[], promptLength: number, before: LogitsProcessor[] = []): LogitsProcessorList {
  const list = new LogitsProcessorList();
  list.extend(before);
  if (tools.length > 0) list.push(new ToolCallConstraint(vocab, tools, context, promptLength));
  return list;
}
