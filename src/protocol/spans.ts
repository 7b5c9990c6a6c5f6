/**
 * Where a copied argument may start and end in what a person wrote: at word edges, never inside a
 * word ("buy a birthday pre" is not a copy of "buy a birthday present"). A word is a run of letters and
 * digits in any script, apostrophes between letters included; anything else (spaces,
 * punctuation, `@`, `*`) is an edge.
 * Shared by the session, which offers argument values (ToolRegistry.offer), and the device's
 * decoder, which lets free text arguments start and end only here.
 */
import type { ChatMessage } from "./chat-format.ts";

const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
/** An apostrophe between letters is inside the word ("what's", "Maria's"). */
const joined = (text: string, i: number) =>
  isWordChar(text[i]) || (/['\u2019]/.test(text[i] ?? "") && isWordChar(text[i - 1]) && isWordChar(text[i + 1]));

export interface WordEdges {
  /** UTF-16 offsets where a span may start (a visible character after an edge). */
  starts: number[];
  /** UTF-16 offsets where a span may end (after a visible character, before an edge). */
  ends: number[];
}

export function wordEdges(text: string): WordEdges {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (/\s/.test(text[i]!)) continue;
    const inWord = joined(text, i);
    if (!(inWord && joined(text, i - 1))) starts.push(i);
    if (!(inWord && joined(text, i + 1))) ends.push(i + 1);
  }
  return { starts, ends };
}

/** Every span from a start to an end over at most `maxPieces` words and marks, as [start, end) offsets. */
export function wordSpans(text: string, maxPieces: number): [number, number][] {
  const { starts, ends } = wordEdges(text);
  const spans: [number, number][] = [];
  for (const start of starts) {
    const after = ends.filter((end) => end > start).slice(0, maxPieces);
    for (const end of after) spans.push([start, end]);
  }
  return spans;
}

/**
 * The request a turn answers, which copied arguments come from: the last user message. Earlier
 * messages were allowed at first, and the model copied an earlier email's body into a new one
 * ("lunch moved to n" for "the report is ready").
 */
export function requestText(messages: readonly ChatMessage[]): string | null {
  const last = messages.findLast((m) => m.role === "user");
  return last?.role === "user" ? last.content : null;
}
