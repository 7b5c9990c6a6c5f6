import { describe, expect, it } from "vitest";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { MODELS_DIR, MODEL_ID } from "../../models/evaluate.ts";
import { fromOpenAITools, toOpenAITools } from "../../src/inference/openai-format.ts";
import { parseAssistantOutput } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";
import { requestSources, vocabBytes } from "../../web/engine/constrained.ts";
import { NumberCopy } from "../../web/engine/number-copy.ts";
import { CallGrammar, type CallState } from "../../web/engine/tool-grammar.ts";

const tools = defaultTools.specs();
const encode = (text: string) => new TextEncoder().encode(text);

function accepts(grammar: CallGrammar, text: string): boolean {
  let state: CallState | null = grammar.start();
  for (const byte of encode(text)) {
    state = grammar.step(state, byte);
    if (!state) return false;
  }
  return grammar.accepting(state);
}

describe("the tool-call grammar", () => {
  const request = "email bob@example.com that lunch is at noon, and what's 17 times 23";
  const grammar = new CallGrammar(tools, [request, "an earlier message about the offsite"]);

  it("accepts exactly a registered tool, its keys in order, and copied spans", () => {
    expect(accepts(grammar, '{"name":"send_email","args":{"to":"bob@example.com","subject":"lunch","body":"lunch is at noon"}}')).toBe(true);
    expect(accepts(grammar, '{"name":"calculator","args":{"expression":"17 times 23"}}')).toBe(true);
    // Every source is one: the engine passes the request alone (requestSources).
    expect(accepts(grammar, '{"name":"save_note","args":{"title":"offsite","body":"the offsite"}}')).toBe(true);
    expect(requestSources([{ role: "user", content: "first" }, { role: "assistant", content: "ok" }, { role: "user", content: "second" }])).toEqual(["second"]);
  });

  it("refuses what would fail: unknown tools, missing or extra keys, invented words, bad JSON", () => {
    for (const text of [
      '{"name":"book_flight","args":{"to":"LIS"}}',
      '{"name":"calculator","args":{}}',
      '{"name":"calculator","args":{"expression":"17 * 23"}}', // "*" is not what the person wrote
      '{"name":"send_email","args":{"to":"bob@example.com","body":"lunch","subject":"lunch"}}',
      '{"name":"send_email","args":{"to":"alice@example.com","subject":"lunch","body":"lunch"}}',
      '{"name":"save_note","args":{"title":"violin","body":"salmon server"}}',
      '{"name":"calculator","args":{"expression":""}}',
      '{"name":"calculator","args":{"expression":"17 times 23"}',
      '{"name":"calculator","args":{"expression":"17 times 23"}}}',
      '{"name": "calculator","args":{"expression":"17"}}',
    ]) expect(accepts(grammar, text), text).toBe(false);
  });

  it("free strings (not marked fromRequest) take any JSON string, escapes included", () => {
    const free = new CallGrammar([{ name: "echo", description: "", effect: "none", requiresApproval: false, args: { text: "string", n: "number" } }], []);
    expect(accepts(free, '{"name":"echo","args":{"text":"say \\"hi\\"\\n","n":-12.5}}')).toBe(true);
    expect(accepts(free, '{"name":"echo","args":{"text":"x","n":1.}}')).toBe(false);
    expect(accepts(free, '{"name":"echo","args":{"text":"x","n":"1"}}')).toBe(false);
  });
});

describe("the vocabulary as bytes", () => {
  it("every token's bytes are what the tokenizer decodes it to", async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${MODELS_DIR}/`;
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    const vocab = vocabBytes(tokenizer.get_vocab());
    const text = 'Email nina@mail.test: the meeting moved to 4pm <|call|>{"name":"clock","args":{"timezone":"Tokyo"}}<|end|>';
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const rebuilt = ids.map((id) => (vocab.bytes[id] ? new TextDecoder().decode(vocab.bytes[id]!) : id === vocab.call ? "<|call|>" : "<|end|>")).join("");
    expect(rebuilt).toBe(text);
    expect(parseAssistantOutput(rebuilt.slice(rebuilt.indexOf("<|call|>")))).toMatchObject({ kind: "tool_call" });
  });
});

describe("tool specs over the OpenAI wire", () => {
  it("keep their argument order and copy marks, so the local server decodes as the device does", () => {
    const back = fromOpenAITools(JSON.parse(JSON.stringify(toOpenAITools(tools))));
    expect(back.map((t) => [t.name, t.args, t.fromRequest])).toEqual(tools.map((t) => [t.name, t.args, t.fromRequest ?? []]));
    expect(fromOpenAITools([{ type: "function", function: { name: 3 } }, "junk"])).toEqual([]);
  });
});

describe("numbers in an answer are copies", () => {
  const numbers = new NumberCopy(['{"timezone":"Europe/Athens","time":"16 Jul 2026, 00:16"}', "what's 43 minus 95.5?"]);
  const writes = (text: string) => {
    let run: string | null = "";
    for (const byte of new TextEncoder().encode(text)) {
      run = numbers.step(run, byte);
      if (run === null) return false;
    }
    return numbers.complete(run);
  };
  it("whole source numbers pass, with the sentence's own punctuation", () => {
    for (const text of ["It is 16 Jul 2026, 00:16 in Athens.", "You asked for 43 minus 95.5.", "95.5, then 43."]) expect(writes(text), text).toBe(true);
  });
  it("numbers no source holds, or digits swapped, do not", () => {
    for (const text of ["It is 16 Jul 2026, 16:16.", "It is 00:61.", "That's 52.", "2027", "95.55", "0.16"]) expect(writes(text), text).toBe(false);
  });
});
