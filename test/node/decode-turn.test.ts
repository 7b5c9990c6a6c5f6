import { AutoModelForCausalLM, AutoTokenizer, env, LogitsProcessor, type Tensor } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL_ID, MODELS_DIR } from "../../models/evaluate.ts";
import { type ChatMessage, parseAssistantOutput, renderPrompt } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";
import { READ_CALL_FLOOR } from "../../web/engine/constrained.ts";
import { decodeTurn } from "../../web/engine/decode-turn.ts";
import { generatedIds, greedyInputs } from "../../web/engine/greedy-inputs.ts";
import { TextSink } from "../../web/engine/text-sink.ts";
import { type VocabBytes, vocabBytes } from "../../web/engine/vocab.ts";

type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
type CausalLM = Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>;

/** Steers the model, whatever it would say: toward `<|call|>` first, then toward tokens spelling `name`. */
class Steer extends LogitsProcessor {
  private readonly favoured: number[];
  private readonly callToken: number;
  private readonly promptLength: number;

  constructor(vocab: VocabBytes, name: string, promptLength: number) {
    super();
    this.favoured = vocab.bytes.flatMap((bytes, id) => {
      const text = bytes ? new TextDecoder().decode(bytes) : "";
      return text.length > 1 && name.startsWith(text) ? [id] : [];
    });
    this.callToken = vocab.call;
    this.promptLength = promptLength;
  }
  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    const scores = (logits as unknown as Tensor[])[0]!.data as Float32Array;
    if (inputIds[0]!.length === this.promptLength) scores[this.callToken]! += 100;
    else for (const id of this.favoured) scores[id]! += 100;
    return logits;
  }
}

/** At the first token, leaves only `<|call|>` at probability `share` and a word ("Sorry") at the rest. */
class CallShare extends LogitsProcessor {
  private readonly vocab: VocabBytes;
  private readonly share: number;
  private readonly promptLength: number;

  constructor(vocab: VocabBytes, share: number, promptLength: number) {
    super();
    this.vocab = vocab;
    this.share = share;
    this.promptLength = promptLength;
  }
  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    if (inputIds[0]!.length !== this.promptLength) return logits;
    const scores = (logits as unknown as Tensor[])[0]!.data as Float32Array;
    const word = this.vocab.bytes.findIndex((bytes) => bytes !== null && new TextDecoder().decode(bytes) === "Sorry");
    scores.fill(-Infinity);
    scores[this.vocab.call] = Math.log(this.share);
    scores[word] = Math.log(1 - this.share);
    return logits;
  }
}

/** Steers a free answer toward `script`, token by token, for as long as what it wrote still follows the script. */
class Script extends LogitsProcessor {
  private readonly vocab: VocabBytes;
  private readonly script: Uint8Array;
  private readonly promptLength: number;

  constructor(vocab: VocabBytes, script: string, promptLength: number) {
    super();
    this.vocab = vocab;
    this.script = new TextEncoder().encode(script);
    this.promptLength = promptLength;
  }
  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    const scores = (logits as unknown as Tensor[])[0]!.data as Float32Array;
    const written = inputIds[0]!.slice(this.promptLength).flatMap((id) => [...(this.vocab.bytes[Number(id)] ?? [])]);
    if (written.some((byte, i) => byte !== this.script[i])) return logits;
    const rest = this.script.subarray(written.length);
    this.vocab.bytes.forEach((bytes, id) => {
      if (bytes && bytes.length > 0 && bytes.length <= rest.length && bytes.every((byte, i) => byte === rest[i]))
        scores[id]! += 100 + bytes.length;
    });
    return logits;
  }
}

let tokenizer: Tokenizer;
let model: CausalLM;
let vocab: VocabBytes;
beforeAll(async () => {
  env.allowRemoteModels = false;
  env.localModelPath = `${MODELS_DIR}/`;
  tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
  model = await AutoModelForCausalLM.from_pretrained(MODEL_ID, { dtype: "q8" });
  vocab = vocabBytes(tokenizer.get_vocab());
});
afterAll(() => model.dispose());

/** A turn after `messages` with `steer` pushing the model, streamed token by token as the engine streams it. */
async function steered(messages: ChatMessage[], steer: (promptLength: number) => LogitsProcessor) {
  const ids = tokenizer.encode(renderPrompt(messages), { add_special_tokens: false });
  const chunks: string[] = [];
  let attempts = 0;
  const generated = await decodeTurn(
    vocab,
    defaultTools.offer(messages),
    messages,
    ids.length,
    async (processors, onText) => {
      attempts++;
      const output = await model.generate({
        ...greedyInputs(ids, 48),
        logits_processor: processors,
        streamer: new TextSink(tokenizer, onText) as never,
      });
      return generatedIds(output, ids.length);
    },
    { before: [steer(ids.length)], onText: (text) => chunks.push(text) },
  );
  return { text: tokenizer.decode(generated, { skip_special_tokens: false }), chunks, attempts };
}

/** An answer after `messages` steered toward `script`. */
const steeredAnswer = (messages: ChatMessage[], script: string) =>
  steered(messages, (promptLength) => new Script(vocab, script, promptLength));

describe("a call toward a tool the turn does not offer", () => {
  const turn = async (request: string, steerTo: string) => {
    const { text, chunks, attempts } = await steered(
      [{ role: "user", content: request }],
      (promptLength) => new Steer(vocab, steerTo, promptLength),
    );
    return { output: parseAssistantOutput(text), streamed: chunks.join(""), text, attempts };
  };

  it("is declined and the turn decoded again as an answer; the declined call never streams", async () => {
    // "hello there" holds nothing the clock reads: the clock is offered an empty choice.
    const declined = await turn("hello there", "clock");
    expect(declined.attempts).toBe(2);
    expect(declined.output.kind).toBe("text");
    expect(declined.streamed).toBe(declined.text);
    expect(declined.streamed).not.toContain("<|call|>");
  });

  it("a call toward an offered tool goes through, streamed once it is whole", async () => {
    const kept = await turn("hello there", "save_note");
    expect(kept.attempts).toBe(1);
    expect(kept.output).toMatchObject({ kind: "tool_call", call: { name: "save_note" } });
    expect(kept.streamed).toBe(kept.text);
  });
});

describe("a call the model ranks below an answer (READ_CALL_FLOOR)", () => {
  const turn = async (request: string, share: number) => {
    const { text, attempts } = await steered(
      [{ role: "user", content: request }],
      (promptLength) => new CallShare(vocab, share, promptLength),
    );
    return { output: parseAssistantOutput(text), attempts };
  };

  it("is made when the request holds what a tool reads, and names a tool that reads it", async () => {
    const made = await turn("Time check: Seoul", READ_CALL_FLOOR + 0.05);
    expect(made.attempts).toBe(1);
    expect(made.output).toMatchObject({ kind: "tool_call", call: { name: "clock", args: { timezone: "Seoul" } } });
  });

  it("is not made below the floor, nor for a request no tool reads", async () => {
    expect((await turn("Time check: Seoul", READ_CALL_FLOOR - 0.05)).output.kind).toBe("text");
    expect((await turn("hello there", 0.45)).output.kind).toBe("text");
  });
});

describe("an answer that begins an address no source holds", () => {
  const sent: ChatMessage[] = [
    { role: "user", content: "shoot an email to ops@example.com: deploy finished" },
    {
      role: "assistant",
      toolCall: { name: "send_email", args: { to: "ops@example.com", subject: "deploy finished", body: "deploy finished" } },
    },
    { role: "tool", name: "send_email", content: { sent: true, messageId: "5b2e7c1a" } },
  ];
  const answer = (script: string) => steeredAnswer(sent, script);

  it("is decoded again with the source's address at that word; the wrong word never streams", async () => {
    const wrong = await answer("Done: your email to ano@example.com is sent.");
    expect(wrong.attempts).toBe(2);
    expect(wrong.text).toMatch(/^Done: your email to ops@example\.com/);
    expect(wrong.text).not.toContain("ano");
    expect(wrong.chunks.join("")).toBe(wrong.text);
    expect(wrong.chunks.join("|")).not.toContain("ano");
  });

  it("an address of an earlier turn is not this turn's: it is decoded again with this turn's", async () => {
    // Seen in the demo: after Reject on an email to carol@…, "the email to bob@example.com was not sent".
    const rejected: ChatMessage[] = [
      { role: "user", content: "email bob@example.com that lunch moved to noon" },
      {
        role: "assistant",
        toolCall: { name: "send_email", args: { to: "bob@example.com", subject: "lunch", body: "lunch moved to noon" } },
      },
      { role: "tool", name: "send_email", content: { sent: true, messageId: "0c1d" } },
      { role: "assistant", content: "Sent to bob@example.com." },
      { role: "user", content: "email carol@acme.io that lunch moved to noon" },
      { role: "assistant", toolCall: { name: "send_email", args: { to: "carol@acme.io", subject: "lunch", body: "lunch moved to noon" } } },
      { role: "tool", name: "send_email", content: { error: { code: "rejected_by_user", message: "the user rejected this action" } } },
    ];
    const wrong = await steeredAnswer(rejected, "OK, the email to bob@example.com was not sent.");
    expect(wrong.attempts).toBe(2);
    expect(wrong.text).toMatch(/^OK, the email to carol@acme\.io/);
    expect(wrong.chunks.join("|")).not.toContain("bob");
  });

  it("an answer with the right address is decoded once", async () => {
    const right = await answer("Done: your email to ops@example.com is sent.");
    expect(right.attempts).toBe(1);
    expect(right.text).toMatch(/^Done: your email to ops@example\.com is sent\./);
    expect(right.chunks.join("")).toBe(right.text);
  });
});

describe("an answer about to end on a number the tool result does not hold", () => {
  const divided: ChatMessage[] = [
    { role: "user", content: "and what about 391 divided by 17?" },
    { role: "assistant", toolCall: { name: "calculator", args: { expression: "391 divided by 17" } } },
    { role: "tool", name: "calculator", content: { value: 23 } },
  ];
  const answer = (script: string) => steeredAnswer(divided, script);

  it("is decoded again with the result's number there; the wrong one never streams", async () => {
    const wrong = await answer("The answer is 17.");
    expect(wrong.attempts).toBe(2);
    expect(wrong.text).toMatch(/^The answer is 23/);
    expect(wrong.chunks.join("")).toBe(wrong.text);
    expect(wrong.chunks.join("|")).not.toContain("17");
  });

  it("one that ends on the result is decoded once", async () => {
    const right = await answer("391 divided by 17 is 23.");
    expect(right.attempts).toBe(1);
    expect(right.text).toMatch(/^391 divided by 17 is 23\./);
  });
});
