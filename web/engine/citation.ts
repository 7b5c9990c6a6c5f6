import { NumberCopy, openNumber } from "./number-copy.ts";

/**
 * After a tool result that holds numbers, the answer's last number (outside quotes, not inside a
 * word) must be one of the result's: an answer's conclusion cites the result. NumberCopy lets an
 * answer copy the request's numbers too ("12 times 7 is 84"), and run 13 ended on them: "what's 12
 * times 7?" got "12.", "391 divided by 17" got "The answer is 17.". Such an answer is `miscited`
 * at the start of that number, and decodeTurn decodes it again with a result number required there.
 */
export interface CitationState {
  /** Where the open number began. */
  at: number;
  /** The open number counts: it began at a word's start, outside quotes. */
  counted: boolean;
  /** The open number must be the result's (a retry requires it). */
  forced: boolean;
  /** The last counted number: where it began and whether it was the result's. */
  last: { at: number; cites: boolean } | null;
  prev: number;
}

export const NO_CITATION: CitationState = { at: 0, counted: false, forced: false, last: null, prev: 0x20 };

const isWordByte = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x40 || b >= 0x80;

export class Citation {
  private readonly results: NumberCopy | null;

  /** `results`: this turn's tool results as text; the rule is off when they hold no number. */
  constructor(results: readonly string[]) {
    this.results = results.some((r) => /\d/.test(r)) ? new NumberCopy(results) : null;
  }

  get active(): boolean {
    return this.results !== null;
  }

  /**
   * The state after `byte` at answer offset `pos`, given the answer's number run (NumberCopy's)
   * before and after it; `expected`: a result number must begin here. Null when a required
   * number is not the result's.
   */
  step(
    state: CitationState,
    byte: number,
    pos: number,
    before: string,
    after: string,
    inQuote: boolean,
    expected: boolean,
  ): CitationState | null {
    if (!this.results) return state;
    const was = openNumber(before);
    const is = openNumber(after);
    let next: CitationState = { ...state, prev: byte };
    if (was === null && is !== null) next = { ...next, at: pos, counted: !inQuote && !isWordByte(state.prev), forced: expected };
    else if (expected) return null;
    if (next.forced && is !== null && !this.results.begins(is)) return null;
    if (was !== null && is === null) return this.close(next, was);
    return next;
  }

  /** The state once the open number `number` ends (at its last digit, or the answer's end). */
  close(state: CitationState, number: string): CitationState | null {
    const cites = this.results?.has(number) ?? true;
    if (state.forced && !cites) return null;
    return { ...state, counted: false, forced: false, last: state.counted ? { at: state.at, cites } : state.last };
  }

  /** Where a retry must write a result number instead, or null when the answer cites the result. */
  miscited(state: CitationState, run: string): number | null {
    if (!this.results) return null;
    const open = openNumber(run);
    const last = (open === null ? state : this.close(state, open))?.last;
    return last && !last.cites ? last.at : null;
  }
}
