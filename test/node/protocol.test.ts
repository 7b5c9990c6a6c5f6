import { describe, expect, it } from "vitest";
import { type ChatMessage, DormantError, parseAssistantOutput, parseClientFrame, renderPrompt } from "../../src/protocol/index.ts";
import { evaluate } from "../../src/tools/calculator.ts";

describe("chat format", () => {
  const conversation: ChatMessage[] = [
    { role: "user", content: "what is 2+2?" },
    { role: "assistant", toolCall: { name: "calculator", args: { expression: "2+2" } } },
    { role: "tool", name: "calculator", content: { value: 4 } },
  ];

  it("renders a conversation as the model's prompt, ending in an open assistant turn", () => {
    expect(renderPrompt(conversation)).toBe(
      '<|user|>what is 2+2?<|end|><|assistant|><|call|>{"name":"calculator","args":{"expression":"2+2"}}<|end|>' +
        '<|tool|>{"name":"calculator","result":{"value":4}}<|end|><|assistant|>',
    );
  });

  it("parses what a model writes back into the same message shapes", () => {
    const call = conversation[1] as { toolCall: { name: string; args: object } };
    expect(parseAssistantOutput('<|call|>{"name":"calculator","args":{"expression":"2+2"}}<|end|><|user|>junk')).toEqual({
      kind: "tool_call",
      call: call.toolCall,
    });
    expect(parseAssistantOutput("  It is 4.<|end|>ignored")).toEqual({ kind: "text", text: "It is 4." });
    for (const bad of ["", "<|end|>", "<|call|>{", '<|call|>{"name":1,"args":{}}', '<|call|>{"name":"x","args":[]}']) {
      expect(() => parseAssistantOutput(bad), bad).toThrow(DormantError);
    }
  });
});

describe("frames", () => {
  it("validates shape, size and enums with typed codes", () => {
    expect(parseClientFrame('{"type":"hello","role":"device","afterSeq":3}')).toEqual({
      type: "hello",
      role: "device",
      afterSeq: 3,
      device: null,
    });
    const code = (text: string) => {
      try {
        parseClientFrame(text);
        return "accepted";
      } catch (error) {
        return (error as DormantError).code;
      }
    };
    expect(code("nope")).toBe("invalid_json");
    expect(code('{"type":"hello","role":"admin"}')).toBe("invalid_request");
    expect(code('{"type":"hello","afterSeq":-1}')).toBe("invalid_request");
    expect(code('{"type":"approval.decide","opKey":"1.tool","decision":"maybe"}')).toBe("invalid_request");
    expect(code('{"type":"step.complete","opKey":"1.infer"}')).toBe("invalid_request");
    expect(code('{"type":"teleport"}')).toBe("unknown_event_type");
    expect(code(`{"type":"user.message","text":"${"x".repeat(70_000)}"}`)).toBe("payload_too_large");
  });

  it("step.complete carries how the device ran the step, validated field by field", () => {
    const complete = (runtime: unknown) =>
      JSON.stringify({ type: "step.complete", opKey: "1.infer", leaseId: "l", output: "hi", model: "m@sha256:00", runtime });
    const runtime = {
      backend: "wasm",
      dtype: "q8",
      contextLength: 256,
      tokens: 12,
      decodeMs: 80.5,
      fallbacks: ["webgpu/fp32@256 → wasm/fp32@256: lost"],
      coldStart: {
        connectMs: 9,
        cacheLookupMs: 1,
        downloadMs: 2,
        verifyMs: 3,
        compileMs: 4,
        warmupMs: 5,
        firstTokenMs: 6,
        bytesDownloaded: 7,
        bytesFromCache: 0,
      },
    };
    expect(parseClientFrame(complete(runtime))).toMatchObject({ type: "step.complete", runtime });
    expect(parseClientFrame(complete(null))).toMatchObject({ runtime: null });
    // The device names the model that computed the step: its rows are stamped with it.
    expect(() => parseClientFrame(JSON.stringify({ type: "step.complete", opKey: "1.infer", leaseId: "l", output: "hi" }))).toThrow(
      /model/,
    );
    const versions = { onnxruntimeWeb: "1.31.0", transformersJs: "4.3.1" };
    expect(parseClientFrame(complete({ ...runtime, versions }))).toMatchObject({ runtime: { versions } });
    expect(parseClientFrame(complete(runtime))).toMatchObject({ runtime: { versions: null } });
    expect(parseClientFrame(complete({ ...runtime, coldStart: null, fallbacks: undefined }))).toMatchObject({
      runtime: { coldStart: null, fallbacks: [] },
    });
    for (const bad of [
      { ...runtime, backend: "cuda" },
      { ...runtime, dtype: "int4" },
      { ...runtime, tokens: -1 },
      { ...runtime, decodeMs: "fast" },
      { ...runtime, coldStart: { ...runtime.coldStart, verifyMs: null } },
      { ...runtime, fallbacks: Array.from({ length: 9 }, () => "x") },
      { ...runtime, versions: { onnxruntimeWeb: "1.31.0" } },
      { ...runtime, versions: { onnxruntimeWeb: "x".repeat(65), transformersJs: "4.3.1" } },
      "wasm",
    ]) {
      expect(() => parseClientFrame(complete(bad)), JSON.stringify(bad)).toThrow(/runtime/);
    }
  });
});

describe("calculator", () => {
  it("evaluates arithmetic with precedence and refuses anything else", () => {
    expect(evaluate("1 + 2 * 3")).toBe(7);
    expect(evaluate("2 ^ 3 ^ 2")).toBe(512);
    expect(evaluate("-(4 - 10) / 4")).toBe(1.5);
    expect(evaluate("0.1 + 0.2")).toBe(0.3);
    expect(evaluate("17 % 5")).toBe(2);
    for (const bad of ["1 / 0", "2 +", "alert(1)", "(1 + 2", "1 2"]) expect(() => evaluate(bad), bad).toThrow(/cannot evaluate/);
  });
});
