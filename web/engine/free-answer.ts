import type { ChatMessage, Json } from "../../src/protocol/index.ts";
import { AddressCopy, type AddressState, NO_WORD } from "./address-copy.ts";
import { Citation, type CitationState, NO_CITATION } from "./citation.ts";
import { type CopySource, wholeSource, wordSource } from "./copy-source.ts";
import { NumberCopy } from "./number-copy.ts";
import { OUTSIDE, QuoteCopy, type QuoteState } from "./quote-copy.ts";
import type { ByteStep } from "./vocab.ts";

/** Where a free answer stands: the number being written ("" when none), any open quote, the word that may be an address, the numbers cited, and the byte offset. */
export interface AnswerState {
  run: string;
  quote: QuoteState;
  address: AddressState;
  citation: CitationState;
  pos: number;
}

export const ANSWER_START: AnswerState = { run: "", quote: OUTSIDE, address: NO_WORD, citation: NO_CITATION, pos: 0 };

/**
 * What a retry of an answer must write: exactly `prefix` (the earlier attempt's bytes up to where
 * it went wrong), an address from the sources at each offset in `addresses`, and a number from the
 * tool result at each offset in `citations`.
 */
export interface Expect {
  addresses: readonly number[];
  citations: readonly number[];
  prefix: Uint8Array;
}

/** How much of an answer a stream holds back while it may still be decoded again. */
export type Hold = "none" | "word" | "all";

const strings = (value: Json): string[] =>
  typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(strings) : [];

/** The text of the turn's sources: what the user wrote, the calls' arguments and the tools' string results. */
function sourceTexts(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) =>
    m.role === "user" ? [m.content] : m.role === "tool" ? strings(m.content) : "toolCall" in m ? strings(m.toolCall.args) : [],
  );
}

/** Where an answer's numbers may come from: what the user wrote and what the tools returned. */
function numberSources(messages: readonly ChatMessage[]): string[] {
  return messages.flatMap((m) => (m.role === "user" ? [m.content] : m.role === "tool" ? [JSON.stringify(m.content)] : []));
}

/** The messages of the turn being answered: after the last user message. */
const currentTurn = (messages: readonly ChatMessage[]) => messages.slice(messages.findLastIndex((m) => m.role === "user") + 1);

/**
 * Where an answer's addresses may come from: this turn's request, calls and results. After Reject
 * on an email to carol@…, an answer drawing on the whole conversation said "the email to bob@… was
 * not sent", copying a real address of an earlier turn.
 */
const addressSources = (messages: readonly ChatMessage[]) =>
  sourceTexts(
    messages.slice(
      Math.max(
        0,
        messages.findLastIndex((m) => m.role === "user"),
      ),
    ),
  );

/**
 * What an answer may quote. After a call, a whole argument or string result of this turn's calls:
 * the note is "oil change", not "car needs an" (run 13 quoted spans of the request: `Noted "Sam"`
 * for a note titled "a birthday present"). Otherwise a span of what the user wrote.
 */
function quoteSources(messages: readonly ChatMessage[]): CopySource[] {
  const turn = currentTurn(messages);
  if (turn.some((m) => m.role === "tool")) return sourceTexts(turn).map(wholeSource);
  return messages.flatMap((m) => (m.role === "user" ? [wordSource(m.content)] : []));
}

/**
 * The rules of a free-form answer: its numbers, quotes and email addresses are copies of the
 * turn's sources (NumberCopy, QuoteCopy, AddressCopy), and after a tool result its last number is
 * the result's (Citation). With `retry`, an address begun that no source holds, or an answer about
 * to end on another number, is reported (`redo`) for decodeTurn to decode again; without, an
 * address is masked and the citation not required.
 */
export class FreeAnswer {
  private readonly numbers: NumberCopy;
  private readonly quotes: QuoteCopy;
  private readonly addresses: AddressCopy;
  private readonly citation: Citation;
  private readonly expect: Expect | null;
  private readonly retry: boolean;
  readonly step: ByteStep<AnswerState>;

  constructor(context: readonly ChatMessage[], options: { expect: Expect | null; retry: boolean }) {
    this.numbers = new NumberCopy(numberSources(context));
    this.quotes = new QuoteCopy(quoteSources(context));
    this.addresses = new AddressCopy(addressSources(context));
    this.citation = new Citation(currentTurn(context).flatMap((m) => (m.role === "tool" ? [JSON.stringify(m.content)] : [])));
    this.expect = options.expect;
    this.retry = options.retry;
    this.step = (state, byte) => {
      const next = this.advance(state, byte);
      return next !== null && "misaddressed" in next ? null : next;
    };
  }

  /** What may still be decoded again: the whole answer (its last number), the word being written (an address), or nothing. */
  get holds(): Hold {
    if (!this.retry) return "none";
    return this.citation.active ? "all" : this.addresses.any ? "word" : "none";
  }

  private advance(state: AnswerState, byte: number): AnswerState | { misaddressed: number } | null {
    const expect = this.expect;
    if (expect && state.pos < expect.prefix.length && byte !== expect.prefix[state.pos]) return null;
    const run = this.numbers.step(state.run, byte);
    const quote = run === null ? null : this.quotes.step(state.quote, byte);
    if (quote === null) return null;
    const citation = this.citation.step(
      state.citation,
      byte,
      state.pos,
      state.run,
      run!,
      state.quote.open,
      expect?.citations.includes(state.pos) ?? false,
    );
    if (citation === null) return null;
    const address = this.addresses.step(state.address, byte, state.pos, expect?.addresses.includes(state.pos) ?? false);
    if (address === null || "misaddressed" in address) return this.retry ? address : null;
    return { run: run!, quote, address, citation, pos: state.pos + 1 };
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
      if ("misaddressed" in next) return this.redo(concat(written, token), { addresses: next.misaddressed });
      current = next;
    }
    return null;
  }

  /** When the answer would end on a number the tool result does not hold: what a retry must write instead. */
  miscited(state: AnswerState, written: Uint8Array): Expect | null {
    const at = this.retry ? this.citation.miscited(state.citation, state.run) : null;
    return at === null ? null : this.redo(written, { citations: at });
  }

  private redo(bytes: Uint8Array, at: { addresses?: number; citations?: number }): Expect {
    const addresses = [...(this.expect?.addresses ?? []), ...(at.addresses === undefined ? [] : [at.addresses])];
    const citations = [...(this.expect?.citations ?? []), ...(at.citations === undefined ? [] : [at.citations])];
    return { addresses, citations, prefix: bytes.slice(0, at.addresses ?? at.citations) };
  }
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
