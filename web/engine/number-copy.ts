import { WholeValues } from "./copy-source.ts";

/**
 * In a free-form answer, numbers (digit runs with `.` `:` `,` inside, as in "6.4383", "01:15",
 * "4,500") must be whole numbers that appear in the turn's sources: tool results and what the user
 * wrote. A tiny model copying "17 Dec 2026, 01:15" or "5.66176470588" from a result drops and swaps
 * digits; this makes it copy them exactly, or pick another number from the sources.
 */
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const SEPARATORS = new Set([0x2e, 0x3a, 0x2c]); // . : ,
/** A whole number was followed by a separator: a digit now would start a number no source has. */
const AFTER_SEPARATOR = "\u0000";

/** The number being written in NumberCopy's `run`, or null when none is open. */
export const openNumber = (run: string): string | null => (run === "" || run === AFTER_SEPARATOR ? null : run);

export class NumberCopy {
  private readonly numbers = new WholeValues();

  constructor(sources: readonly string[]) {
    for (const source of sources) for (const run of source.match(/\d+(?:[.:,]\d+)*/g) ?? []) this.numbers.add(run);
  }

  /** The open run after `byte`, "" when none is open, or null when the byte breaks a copy. */
  step(run: string, byte: number): string | null {
    if (run === AFTER_SEPARATOR) return isDigit(byte) ? null : this.step("", byte);
    const ch = String.fromCharCode(byte);
    if (isDigit(byte)) return this.numbers.begins(run + ch) ? run + ch : null;
    if (run === "") return "";
    if (!SEPARATORS.has(byte)) return this.numbers.has(run) ? "" : null;
    // A separator continues a number only where a source number does ("6." of "6.43"); after a
    // whole number it may end a sentence ("is 52.") but not start another number ("16:16").
    if (this.numbers.begins(run + ch)) return run + ch;
    return this.numbers.has(run) ? AFTER_SEPARATOR : null;
  }

  /** Whether `number` is a whole number of the sources. */
  has(number: string): boolean {
    return this.numbers.has(number);
  }

  /** Whether `run` begins a number of the sources. */
  begins(run: string): boolean {
    return this.numbers.begins(run);
  }

  /** Whether the answer may end with `run` open. */
  complete(run: string): boolean {
    return run === "" || run === AFTER_SEPARATOR || this.numbers.has(run);
  }
}
