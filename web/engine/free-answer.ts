import type { ChatMessage, Json } from "../../src/protocol/index.ts";
import { AddressCopy, NO_WORD, type AddressState } from "./address-copy.ts";
import { wholeSource, wordSource, type CopySource } from "./copy-source.ts";
import { NumberCopy } from "./number-copy.ts";
import { OUTSIDE, QuoteCopy, type QuoteState } from "./quote-copy.ts";
import type { ByteStep } from "./vocab.ts";

/** Where a free answer stands: the number being written ("" when none), any open quote, the word that may be an address, and the byte offset. */
export interface AnswerState {
  run: string;
  quote: QuoteState;
  address: AddressState;
  pos: number;
}

export const ANSWER_START: AnswerState = { run: "", quote: OUTSIDE, address: NO_WORD, pos: 0 };

/**
 * What a retry of a misaddressed answer must write: exactly `prefix` (the earlier attempt's bytes
 * up to its last misaddressed word), and an address from the sources at each offset in `at`.
 */
export interface Expect {
  at: readonly number[];
  prefix: Uint8Array;
}

const strings = (value: Json): string[] => (typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(strings) : []);

/** The text of the turn's sources: what the user wrote, the calls' arguments and the tools' string results. */
function sourceTexts(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? strings(m.content) : "toolCall" in m ? strings(m.toolCall.args) : []));
}

/** Where an answer's numbers may come from: what the user wrote and what the tools returned. */
function numberSources(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? [JSON.stringify(m.content)] : []));
}

/**
 * What an answer may quote. After a call, a whole argument or string result of this turn's calls:
 * the note is "oil change", not "car needs an" (run 13 quoted spans of the request: `Noted "Sam"`
 * for a note titled "a birthday present"). Otherwise a span of what the user wrote.
 */
function quoteSources(messages: readonly ChatMessage[]): CopySource[] {
  const turn = messages.slice(messages.findLastIndex((m) => m.role === "user") + 1);
  if (turn.some((m) => m.role === "tool")) return sourceTexts(turn).map(wholeSource);
  return messages.flatMap((m) => (m.role === "user" ? [wordSource(m.content)] : []));
}

/**
 * The rules of a free-form answer: its numbers, quotes and email addresses are copies of the
 * turn's sources (NumberCopy, QuoteCopy, AddressCopy). With `retry`, an address begun that no
 * source holds is reported (`misaddressed`) for decodeTurn to decode again; without, it is masked.
 */
export class FreeAnswer {
  private readonly numbers: NumberCopy;
  private readonly quotes: QuoteCopy;
  private readonly addresses: AddressCopy;
  private readonly expect: Expect | null;
  private readonly retry: boolean;
  readonly step: ByteStep<AnswerState>;

  constructor(context: readonly ChatMessage[], options: { expect: Expect | null; retry: boolean }) {
    this.numbers = new NumberCopy(numberSources(context));
    this.quotes = new QuoteCopy(quoteSources(context));
    this.addresses = new AddressCopy(sourceTexts(context));
    this.expect = options.expect;
    this.retry = options.retry;
    this.step = (state, byte) => {
      const next = this.advance(state, byte);
      return next !== null && "misaddressed" in next ? null : next;
    };
  }

  /** Whether a word being written may still be decoded again (so a stream holds it until it ends). */
  get retries(): boolean {
    return this.retry && this.addresses.any;
  }

  private advance(state: AnswerState, byte: number): AnswerState | { misaddressed: number } | null {
    const expect = this.expect;
    if (expect && state.pos < expect.prefix.length && byte !== expect.prefix[state.pos]) return null;
    const run = this.numbers.step(state.run, byte);
    const quote = run === null ? null : this.quotes.step(state.quote, byte);
    if (quote === null) return null;
    const address = this.addresses.step(state.address, byte, state.pos, expect?.at.includes(state.pos) ?? false);
    if (address === null || "misaddressed" in address) return this.retry ? address : null;
    return { run: run!, quote, address, pos: state.pos + 1 };
  }

  /** Whether the answer may end here: numbers whole, no quote open, any address whole. */
  complete(state: AnswerState): boolean {
    return this.numbers.complete(state.run) && this.quotes.complete(state.quote) && this.addresses.complete(state.address);
  }

  /**
   * When `token` (the model's pick after `written`) turns a word into an address no source holds:
   * what a retry must write instead. Null when it does not (or the token breaks another rule).
   */
  misaddressed(state: AnswerState, token: Uint8Array, written: Uint8Array): Expect | null {
    let current = state;
    for (const byte of token) {
      const next = this.advance(current, byte);
      if (next === null) return null;
      if ("misaddressed" in next) {
        const at = next.misaddressed;
        const bytes = new Uint8Array(written.length + token.length);
        bytes.set(written);
        bytes.set(token, written.length);
        return { at: [...(this.expect?.at ?? []), at], prefix: bytes.slice(0, at) };
      }
      current = next;
    }
    return null;
  }
}
