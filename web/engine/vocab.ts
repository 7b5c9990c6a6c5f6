import { CHAT_TOKENS } from "../../src/protocol/index.ts";

/** A byte-level step of a decoding rule: the state after `byte`, or null when the rule refuses it. */
export type ByteStep<S> = (state: S, byte: number) => S | null;

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
      if (!child) {
        child = { next: new Map(), ids: [] };
        node.next.set(byte, child);
      }
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

/** Marks every token reachable from `state` through the trie: a dead prefix prunes its whole subtree. */
export function allowThroughTrie<S>(node: TrieNode, state: S, step: ByteStep<S>, allowed: Uint8Array): void {
  for (const [byte, child] of node.next) {
    const next = step(state, byte);
    if (next === null) continue;
    for (const id of child.ids) allowed[id] = 1;
    allowThroughTrie(child, next, step, allowed);
  }
}

/** Whether a token (null for a special one) is allowed from `state`, as allowThroughTrie would mark it. */
export function allows<S>(token: Uint8Array | null | undefined, state: S, step: ByteStep<S>): boolean {
  return !!token && token.length > 0 && walkBytes(state, token, step) !== null;
}

/** `state` after each byte of `token` in turn, or null as soon as `step` refuses one. */
export function walkBytes<S>(state: S, token: Uint8Array, step: ByteStep<S>): S | null {
  let current: S | null = state;
  for (const byte of token) {
    current = step(current, byte);
    if (current === null) return null;
  }
  return current;
}
