import { WholeValues } from "./copy-source.ts";

/**
 * In a free-form answer, an email address must be one the turn's sources hold, whole. A tiny model
 * confirming a mail to ops@example.com wrote "ano@example.com": the domain copied, the name from
 * its training pool. A word only shows it is an address at its "@", after its first letters were
 * written; so an "@" that no source address continues is not just masked (that would leave "ano"
 * standing as a word) but reported as `misaddressed` at the word's start, and the turn is decoded
 * again with an address required there (`expect`, see decodeTurn).
 */
const isAddressByte = (b: number) =>
  (b >= 0x30 && b <= 0x39) ||
  (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x61 && b <= 0x7a) ||
  b === 0x2e ||
  b === 0x5f ||
  b === 0x25 ||
  b === 0x2b ||
  b === 0x2d ||
  b === 0x40;
const AT = 0x40;

/** The word being written (address characters only), where it began, and whether it must be an address. */
export interface AddressState {
  word: string;
  start: number;
  bound: boolean;
}

export const NO_WORD: AddressState = { word: "", start: 0, bound: false };

/** A step's outcome: the next state, a broken copy (null), or an address begun that no source has, with its word's start. */
export type AddressStep = AddressState | null | { misaddressed: number };

export class AddressCopy {
  private readonly addresses = new WholeValues();

  constructor(sources: readonly string[]) {
    for (const source of sources) {
      for (const run of source.match(/[A-Za-z0-9._%+\-@]+/g) ?? []) {
        // A sentence may end right after an address: "write to bob@example.com."
        const address = run.replace(/\.+$/, "");
        if (address.includes("@")) this.addresses.add(address);
      }
    }
  }

  /** Whether any source holds an address (else an "@" in an answer is simply not allowed). */
  get any(): boolean {
    return this.addresses.size > 0;
  }

  /**
   * The state after `byte` at answer offset `pos`; `expected`: an address must begin here (the
   * retry of a misaddressed word).
   */
  step(state: AddressState, byte: number, pos: number, expected: boolean): AddressStep {
    if (!isAddressByte(byte)) {
      if (expected) return null;
      return !state.bound || this.ends(state.word) ? NO_WORD : null;
    }
    const word = state.word + String.fromCharCode(byte);
    if (state.word === "" && (expected || byte === AT)) {
      if (this.addresses.begins(word)) return { word, start: pos, bound: true };
      return byte === AT && !expected && this.any ? { misaddressed: pos } : null;
    }
    if (state.bound) return this.addresses.begins(word) || this.endsWithDot(word) ? { ...state, word } : null;
    if (byte !== AT) return state.word === "" ? { word, start: pos, bound: false } : { ...state, word };
    // The word turns out to be an address: it must be the start of one the sources hold.
    if (this.addresses.begins(word)) return { ...state, word, bound: true };
    return this.any ? { misaddressed: state.start } : null;
  }

  /** Whether the answer may end with `state` open. */
  complete(state: AddressState): boolean {
    return !state.bound || this.ends(state.word);
  }

  /** A bound word may end as a whole address, or one followed by the sentence's full stop. */
  private ends(word: string): boolean {
    return this.addresses.has(word) || this.endsWithDot(word);
  }

  private endsWithDot(word: string): boolean {
    return word.endsWith(".") && this.addresses.has(word.slice(0, -1));
  }
}
