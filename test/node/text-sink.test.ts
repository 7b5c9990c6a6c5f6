import { AutoTokenizer, env } from "@huggingface/transformers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MODEL_ID, MODELS_DIR } from "../../models/evaluate.ts";
import { TextSink } from "../../web/engine/text-sink.ts";

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
let tokenizer: Tokenizer;
beforeAll(async () => {
  env.allowRemoteModels = false;
  env.localModelPath = `${MODELS_DIR}/`;
  tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
});
afterEach(() => vi.useRealTimers());

/** Feeds `ids` one token at a time, `gapMs` of (fake) time apart, as transformers.js would. */
function stream(ids: number[], gapMs: number, coalesceMs: number): string[] {
  vi.useFakeTimers({ toFake: ["performance"] });
  const events: string[] = [];
  const sink = new TextSink(tokenizer, (text) => events.push(text), coalesceMs);
  sink.put([[1n, 2n]]); // the prompt
  for (const id of ids) {
    vi.advanceTimersByTime(gapMs);
    sink.put([[BigInt(id)]]);
  }
  sink.end();
  return events;
}

describe("TextSink", () => {
  const text = 'Your note "kayak lantern" is saved; 12 in total. Ünïcødé ✓';

  it("without coalescing, hands on every token that completes a character", () => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const events = stream(ids, 5, 0);
    expect(events.join("")).toBe(text);
    // Multi-byte characters span several byte-level tokens: those are held back, not split.
    expect(events.length).toBeLessThan(ids.length);
    expect(events.length).toBeGreaterThan(ids.length / 2);
    expect(events.every((e) => !e.includes("\uFFFD"))).toBe(true);
  });

  it("with coalescing, sends the first token at once, then at most one event per interval, and the rest at the end", () => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const events = stream(ids, 5, 16);
    expect(events.join("")).toBe(text);
    expect(events[0]).toBe(tokenizer.decode([ids[0]!], { skip_special_tokens: false }));
    // Tokens 5 ms apart, one event per 16 ms: about one event per 4 tokens, plus the first and the tail.
    expect(events.length).toBeLessThanOrEqual(Math.ceil((ids.length * 5) / 20) + 2);
    expect(events.length).toBeGreaterThanOrEqual(Math.floor((ids.length * 5) / 20));
  });

  it("slow tokens are not held back: each arrives after the interval has passed", () => {
    const ids = tokenizer.encode("It comes to 4096.", { add_special_tokens: false });
    expect(stream(ids, 40, 16)).toEqual(stream(ids, 40, 0));
  });
});
