import { AutoTokenizer, env } from "@huggingface/transformers";
import { describe, expect, it } from "vitest";
import { MODEL_ID, MODELS_DIR } from "../../models/evaluate.ts";
import { fromOpenAITools, toOpenAITools } from "../../src/inference/openai-format.ts";
import { parseAssistantOutput, requestText } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";
import { CallGrammar, type CallState } from "../../web/engine/tool-grammar.ts";
import { vocabBytes } from "../../web/engine/vocab.ts";

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
  const grammar = new CallGrammar(tools, request);

  it("accepts exactly a registered tool, its keys in order, and spans copied from word edge to word edge", () => {
    expect(accepts(grammar, '{"name":"send_email","args":{"to":"bob@example.com","subject":"lunch","body":"lunch is at noon"}}')).toBe(
      true,
    );
    expect(accepts(grammar, '{"name":"calculator","args":{"expression":"17 times 23"}}')).toBe(true);
    expect(accepts(grammar, '{"name":"save_note","args":{"title":"lunch","body":"lunch is at noon,"}}')).toBe(true);
    // The request is the last user message alone: earlier messages are not copied from.
    expect(
      requestText([
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "second" },
      ]),
    ).toBe("second");
  });

  it("refuses what would fail: unknown tools, missing or extra keys, invented or cut words, bad JSON", () => {
    for (const text of [
      '{"name":"book_flight","args":{"to":"LIS"}}',
      '{"name":"calculator","args":{}}',
      '{"name":"calculator","args":{"expression":"17 * 23"}}', // "*" is not what the person wrote
      '{"name":"send_email","args":{"to":"bob@example.com","body":"lunch","subject":"lunch"}}',
      '{"name":"send_email","args":{"to":"alice@example.com","subject":"lunch","body":"lunch"}}',
      '{"name":"save_note","args":{"title":"violin","body":"salmon server"}}',
      '{"name":"save_note","args":{"title":"lunch","body":"lunch is at no"}}', // ends inside a word
      '{"name":"save_note","args":{"title":"unch","body":"lunch"}}', // starts inside one
      '{"name":"calculator","args":{"expression":""}}',
      '{"name":"calculator","args":{"expression":"17 times 23"}',
      '{"name":"calculator","args":{"expression":"17 times 23"}}}',
      '{"name": "calculator","args":{"expression":"17"}}',
    ])
      expect(accepts(grammar, text), text).toBe(false);
  });

  it("an offered tool takes only its choices; a tool offered nothing cannot be called, only recognised", () => {
    const offered = defaultTools.offer([{ role: "user", content: request }]);
    const narrowed = new CallGrammar(offered, request);
    expect(accepts(narrowed, '{"name":"calculator","args":{"expression":"17 times 23"}}')).toBe(true);
    expect(accepts(narrowed, '{"name":"calculator","args":{"expression":"17 times"}}')).toBe(false);
    expect(accepts(narrowed, '{"name":"send_email","args":{"to":"bob@example.com","subject":"lunch","body":"lunch is at noon"}}')).toBe(
      true,
    );
    expect(accepts(narrowed, '{"name":"send_email","args":{"to":"bob","subject":"lunch","body":"lunch is at noon"}}')).toBe(false);
    // The clock has nothing to read here: its name is refused, and a model reaching for it is seen doing so.
    expect(accepts(narrowed, '{"name":"clock","args":{"timezone":"noon"}}')).toBe(false);
    let state: CallState | null = narrowed.start();
    for (const byte of encode('{"name":"')) state = narrowed.step(state!, byte);
    expect(narrowed.reachesUnoffered(state!, encode("clock"))).toBe(true);
    expect(narrowed.reachesUnoffered(state!, encode("calc"))).toBe(false);
    expect(narrowed.reachesUnoffered(state!, encode("}"))).toBe(false); // not a name at all: masked, not declined
    expect(narrowed.offersAny()).toBe(true);
    expect(
      new CallGrammar(
        defaultTools.offer([{ role: "user", content: "yo" }]).filter((t) => t.name !== "save_note"),
        "yo",
      ).offersAny(),
    ).toBe(false);
  });

  it("free strings (not marked fromRequest) take any JSON string, escapes included", () => {
    const free = new CallGrammar(
      [{ name: "echo", description: "", effect: "none", requiresApproval: false, args: { text: "string", n: "number" } }],
      null,
    );
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
    const rebuilt = ids
      .map((id) => (vocab.bytes[id] ? new TextDecoder().decode(vocab.bytes[id]!) : id === vocab.call ? "<|call|>" : "<|end|>"))
      .join("");
    expect(rebuilt).toBe(text);
    expect(parseAssistantOutput(rebuilt.slice(rebuilt.indexOf("<|call|>")))).toMatchObject({ kind: "tool_call" });
  });
});

describe("tool specs over the OpenAI wire", () => {
  it("keep their argument order, copy marks and the turn's choices, so the local server decodes as the device does", () => {
    const back = fromOpenAITools(JSON.parse(JSON.stringify(toOpenAITools(tools))));
    expect(back.map((t) => [t.name, t.args, t.fromRequest])).toEqual(tools.map((t) => [t.name, t.args, t.fromRequest ?? []]));
    const offered = defaultTools.offer([{ role: "user", content: "what's 17 times 23 in Tokyo" }]);
    const wire = toOpenAITools(offered);
    expect(wire[0]!.function.parameters).toMatchObject({ properties: { expression: { enum: ["17 times 23"] } } });
    expect(fromOpenAITools(JSON.parse(JSON.stringify(wire))).map((t) => t.choices ?? null)).toEqual(offered.map((t) => t.choices ?? null));
    expect(fromOpenAITools([{ type: "function", function: { name: 3 } }, "junk"])).toEqual([]);
  });
});
