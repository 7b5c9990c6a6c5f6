import { type CopySource, copyEnds, copyStarts, copyStep, type Spans } from "./copy-source.ts";

/**
 * In a free-form answer, text in double quotes must be a copy of one of the turn's sources: which
 * sources, and whether spans or whole values, free-answer.ts decides. A tiny model confirming a
 * note wrote `Noted "tomatoes"` for a note titled "oil change" (a title from its training pool);
 * with this it can only quote what is there.
 */
const QUOTE = 0x22;

export type QuoteState = { open: false } | { open: true; spans: Spans; offset: number };

export const OUTSIDE: QuoteState = { open: false };

export class QuoteCopy {
  private readonly sources: readonly CopySource[];

  constructor(sources: readonly CopySource[]) {
    this.sources = sources;
  }

  /** The state after `byte`, or null when the byte breaks a copy (or closes an empty quote). */
  step(state: QuoteState, byte: number): QuoteState | null {
    if (!state.open) {
      if (byte !== QUOTE) return state;
      return { open: true, offset: 0, spans: copyStarts(this.sources) };
    }
    if (byte === QUOTE) return copyEnds(this.sources, state.spans, state.offset) ? OUTSIDE : null;
    const spans = copyStep(this.sources, state.spans, state.offset, byte);
    return spans ? { open: true, spans, offset: state.offset + 1 } : null;
  }

  /** Whether the answer may end here: no quote left open. */
  complete(state: QuoteState): boolean {
    return !state.open;
  }
}
