import { wordSource, type CopySource } from "./tool-grammar.ts";

/**
 * In a free-form answer, text in double quotes must be a span of the turn's sources (what the user
 * wrote, the calls' arguments, the tools' string results) from word edge to word edge. A tiny
 * model confirming a note wrote `Noted "tomatoes"` for a note titled "oil change" (a title from
 * its training pool); with this it can only quote what is there.
 */
const QUOTE = 0x22;

export type QuoteState = { open: false } | { open: true; spans: readonly (readonly [number, number])[]; offset: number };

export const OUTSIDE: QuoteState = { open: false };

export class QuoteCopy {
  private readonly sources: CopySource[];

  constructor(sources: readonly string[]) {
    this.sources = sources.map(wordSource);
  }

  /** The state after `byte`, or null when the byte breaks a copy (or closes an empty quote). */
  step(state: QuoteState, byte: number): QuoteState | null {
    if (!state.open) {
      if (byte !== QUOTE) return state;
      return { open: true, offset: 0, spans: this.sources.flatMap((source, m) => source.starts.map((i) => [m, i] as const)) };
    }
    if (byte === QUOTE) return state.offset > 0 && state.spans.some(([m, i]) => this.sources[m]!.ends.has(i + state.offset)) ? OUTSIDE : null;
    const spans = state.spans.filter(([m, i]) => this.sources[m]!.bytes[i + state.offset] === byte);
    return spans.length === 0 ? null : { open: true, spans, offset: state.offset + 1 };
  }

  /** Whether the answer may end here: no quote left open. */
  complete(state: QuoteState): boolean {
    return !state.open;
  }
}
