import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.ts";
import { AddressCopy, type AddressState, NO_WORD } from "../../web/engine/address-copy.ts";
import { wordSource } from "../../web/engine/copy-source.ts";
import { ANSWER_START, type AnswerState, FreeAnswer } from "../../web/engine/free-answer.ts";
import { NumberCopy } from "../../web/engine/number-copy.ts";
import { OUTSIDE, QuoteCopy, type QuoteState } from "../../web/engine/quote-copy.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** Whether a free answer may be `text`, byte by byte through one of the answer's copy rules. */
function writesThrough<S>(rule: { step(state: S, byte: number): S | null; complete(state: S): boolean }, start: S, text: string): boolean {
  let state: S | null = start;
  for (const byte of encode(text)) {
    state = rule.step(state, byte);
    if (state === null) return false;
  }
  return rule.complete(state);
}

describe("numbers in an answer are copies", () => {
  const numbers = new NumberCopy(['{"timezone":"Europe/Athens","time":"16 Jul 2026, 00:16"}', "what's 43 minus 95.5?"]);
  const writes = (text: string) => writesThrough(numbers, "", text);
  it("whole source numbers pass, with the sentence's own punctuation", () => {
    for (const text of ["It is 16 Jul 2026, 00:16 in Athens.", "You asked for 43 minus 95.5.", "95.5, then 43."])
      expect(writes(text), text).toBe(true);
  });
  it("numbers no source holds, or digits swapped, do not", () => {
    for (const text of ["It is 16 Jul 2026, 16:16.", "It is 00:61.", "That's 52.", "2027", "95.55", "0.16"])
      expect(writes(text), text).toBe(false);
  });
});

describe("quotes in an answer are copies", () => {
  const quotes = new QuoteCopy(["note that the car needs an oil change", "oil change"].map(wordSource));
  const writes = (text: string) => writesThrough<QuoteState>(quotes, OUTSIDE, text);
  it("a quoted span of a source passes; text outside quotes is free", () => {
    for (const text of ['Saved "oil change".', 'Noted "the car needs an oil change" for you.', "No quotes at all: tomatoes."])
      expect(writes(text), text).toBe(true);
  });
  it("a quote no source holds, an empty one, one cut inside a word or left open does not", () => {
    for (const text of ['Noted "tomatoes".', 'Saved "".', 'Saved "oil change', 'Saved "oil chan".']) expect(writes(text), text).toBe(false);
  });

  it("after a call, a quote is a whole argument or result of the call, not any span of the request", () => {
    const request = "note to self: buy a birthday present for Sam";
    const called: ChatMessage[] = [
      { role: "user", content: request },
      { role: "assistant", toolCall: { name: "save_note", args: { title: "a birthday present", body: "buy a birthday present for Sam" } } },
      { role: "tool", name: "save_note", content: { saved: true, notes: 3 } },
    ];
    const answer = new FreeAnswer(called, { expect: null, retry: true });
    const writes = (text: string) => writesThrough<AnswerState>(answer, ANSWER_START, text);
    expect(writes('Noted "a birthday present" (3 notes saved).')).toBe(true);
    for (const text of ['Noted "Sam".', 'Noted "a birthday".', 'Noted "note to self".']) expect(writes(text), text).toBe(false);
    // Before any call (a plain answer), spans of what the user wrote may be quoted.
    const plain = new FreeAnswer([{ role: "user", content: request }], { expect: null, retry: true });
    expect(writesThrough<AnswerState>(plain, ANSWER_START, 'You said "a birthday present for Sam".')).toBe(true);
  });
});

describe("addresses in an answer are copies", () => {
  const addresses = new AddressCopy(["shoot an email to ops@example.com: deploy finished", "ops@example.com"]);
  /** The answer's outcome: written whole, refused, or misaddressed at a word's offset. */
  const outcome = (text: string, expected: number | null = null): "ok" | "refused" | number => {
    let state: AddressState = NO_WORD;
    const bytes = encode(text);
    for (let pos = 0; pos < bytes.length; pos++) {
      const next = addresses.step(state, bytes[pos]!, pos, pos === expected);
      if (next === null) return "refused";
      if ("misaddressed" in next) return next.misaddressed;
      state = next;
    }
    return addresses.complete(state) ? "ok" : "refused";
  };

  it("a source address passes whole, with the sentence's full stop; other words are free", () => {
    for (const text of ["Done: your email to ops@example.com is sent.", "Sent to ops@example.com.", "Email sent, ops."])
      expect(outcome(text), text).toBe("ok");
  });
  it("an address the sources do not hold is misaddressed at its word's start, so it can be written again", () => {
    expect(outcome("Done: your email to ano@example.com is sent.")).toBe("Done: your email to ".length);
    expect(outcome("Mail @ops")).toBe("Mail ".length);
  });
  it("an address cut short, run on, or a retry that does not write one where it must, is refused", () => {
    for (const text of ["Sent to ops@example.co", "Sent to ops@example.com.au", "Sent to ops@example.comx"])
      expect(outcome(text), text).toBe("refused");
    expect(outcome("Sent to ana", "Sent to ".length)).toBe("refused");
    expect(outcome("Sent to ops@example.com.", "Sent to ".length)).toBe("ok");
  });
  it("with no address in the sources an answer writes none: the @ is simply refused", () => {
    const none = new AddressCopy(["what's 2 + 2"]);
    expect(none.any).toBe(false);
    expect(none.step({ word: "bob", start: 0, bound: false }, 0x40, 3, false)).toBeNull();
  });
});

describe("after a tool result, an answer ends on the result's number", () => {
  const turn: ChatMessage[] = [
    { role: "user", content: "and what about 391 divided by 17?" },
    { role: "assistant", toolCall: { name: "calculator", args: { expression: "391 divided by 17" } } },
    { role: "tool", name: "calculator", content: { value: 23 } },
  ];
  const answer = new FreeAnswer(turn, { expect: null, retry: true });
  /** Where a retry must write the result's number, or "cites" when the answer may end as it is. */
  const miscited = (text: string) => {
    let state: AnswerState | null = ANSWER_START;
    for (const byte of encode(text)) state = state && answer.step(state, byte);
    if (state === null || !answer.complete(state)) return "refused";
    return answer.miscited(state, encode(text))?.citations.at(-1) ?? "cites";
  };

  it("an answer whose last number is the result's may end; the request's numbers may come before it", () => {
    for (const text of ["The answer is 23.", "391 divided by 17 is 23.", "23"]) expect(miscited(text), text).toBe("cites");
  });
  it("one that ends on another number is redone from that number", () => {
    expect(miscited("The answer is 17.")).toBe("The answer is ".length);
    expect(miscited("23, not 391")).toBe("23, not ".length);
  });
  it("numbers inside quotes or words do not count", () => {
    const note = new FreeAnswer(
      [
        { role: "user", content: "note: gate code is 4471" },
        { role: "assistant", toolCall: { name: "save_note", args: { title: "gate code is 4471", body: "gate code is 4471" } } },
        { role: "tool", name: "save_note", content: { saved: true, notes: 3 } },
      ],
      { expect: null, retry: true },
    );
    const end = (text: string) =>
      note.miscited(
        encode(text).reduce<AnswerState>((state, byte) => note.step(state, byte)!, ANSWER_START),
        encode(text),
      );
    expect(end('You have 3 notes; saved "gate code is 4471".')).toBeNull();
    expect(end('Saved "gate code is 4471". You have 3 notes.')).toBeNull();
  });
  it("a retry must write a result number where it was told to, and nothing else before it", () => {
    const prefix = encode("The answer is ");
    const retry = new FreeAnswer(turn, { expect: { addresses: [], citations: [prefix.length], prefix }, retry: true });
    const writes = (text: string) => writesThrough<AnswerState>(retry, ANSWER_START, text);
    expect(writes("The answer is 23.")).toBe(true);
    for (const text of ["The answer is 17.", "The answer is about 23.", "The result is 23."]) expect(writes(text), text).toBe(false);
  });
});
