import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HostedServer, startHostedServer } from "../../models/serve/server.ts";
import { OpenAICompatibleProvider } from "../../src/inference/openai-compatible.ts";
import { InferenceError, type InferenceRequestV1 } from "../../src/inference/provider.ts";
import { WorkersAIProvider } from "../../src/inference/workers-ai.ts";
import type { ChatMessage, ToolSpec } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";

// Providers through their real client code: the OpenAI-compatible one against the local hosted
// server (our model), and against a loopback server that fails the ways providers fail. Workers AI
// itself cannot run here, so its binding is the one fake: it streams what Workers AI streams.

// The session's own tool specs (with their copy marks): the local server decodes under them.
const TOOLS: ToolSpec[] = defaultTools.specs();

function request(messages: ChatMessage[], deltas: string[] = []): InferenceRequestV1 {
  return { messages, tools: TOOLS, maxTokens: 64, signal: new AbortController().signal, onDelta: (text) => deltas.push(text) };
}

let hosted: HostedServer;
let failing: Server;
let failingUrl: string;
const script: { status: number; delayMs?: number }[] = [];
let calls = 0;

beforeAll(async () => {
  hosted = await startHostedServer({ port: 0 });
  failing = createServer((_req, res) => {
    calls++;
    const step = script.shift() ?? { status: 500 };
    setTimeout(
      () => res.writeHead(step.status, { "content-type": "application/json" }).end('{"error":{"message":"scripted"}}'),
      step.delayMs ?? 0,
    );
  });
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as { port: number }).port}/v1`;
}, 60_000);

afterAll(async () => {
  await hosted?.close();
  await new Promise((resolve) => failing?.close(resolve));
});

describe("OpenAI-compatible provider", () => {
  it("streams a text answer from the local server and stamps the served model's pin", async () => {
    const provider = new OpenAICompatibleProvider({
      provider: "local",
      baseURL: hosted.url,
      model: "dormant-agent-tiny",
      recipient: "local",
    });
    const deltas: string[] = [];
    // A greeting the shipped model answers in words (it still calls a tool for a bare "hello": issue 15).
    const result = await provider.generate(request([{ role: "user", content: "hey" }], deltas));
    expect(result.output.length).toBeGreaterThan(0);
    expect(deltas.join("")).toBe(result.output);
    expect(result.model).toBe(hosted.model);
    expect(result.firstTokenMs).toBeGreaterThan(0);
  });

  it("returns a tool call in the session's chat format", async () => {
    const provider = new OpenAICompatibleProvider({
      provider: "local",
      baseURL: hosted.url,
      model: "dormant-agent-tiny",
      recipient: "local",
    });
    const deltas: string[] = [];
    const result = await provider.generate(request([{ role: "user", content: "what is 12 * 7?" }], deltas));
    expect(result.output).toBe('<|call|>{"name":"calculator","args":{"expression":"12 * 7"}}');
    expect(deltas).toEqual([]);
  });

  it("retries a 503 before any byte, once; a 400 is final; an unreachable host and a slow one are typed", async () => {
    const provider = (extra = {}) =>
      new OpenAICompatibleProvider({ provider: "openai-compatible", baseURL: failingUrl, model: "m", recipient: "r", ...extra });
    calls = 0;
    script.push({ status: 503 }, { status: 503 });
    await expect(provider().generate(request([{ role: "user", content: "hi" }]))).rejects.toMatchObject({
      code: "provider_unavailable",
      retryable: true,
    });
    expect(calls).toBe(2);

    calls = 0;
    script.push({ status: 400 });
    const bad = await provider()
      .generate(request([{ role: "user", content: "hi" }]))
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(InferenceError);
    expect(bad).toMatchObject({ code: "provider_failed", retryable: false, status: 502 });
    expect(calls).toBe(1);

    const closed = new OpenAICompatibleProvider({
      provider: "local",
      baseURL: "http://127.0.0.1:9/v1",
      model: "m",
      recipient: "r",
      maxRetries: 0,
    });
    await expect(closed.generate(request([{ role: "user", content: "hi" }]))).rejects.toMatchObject({ code: "provider_unavailable" });

    script.push({ status: 200, delayMs: 1000 });
    await expect(provider({ timeoutMs: 100, maxRetries: 0 }).generate(request([{ role: "user", content: "hi" }]))).rejects.toMatchObject({
      code: "provider_timeout",
      status: 504,
    });
  });
});

describe("Workers AI provider", () => {
  const sse = (events: unknown[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of events) controller.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(event)}\n\n`));
        controller.enqueue(new TextEncoder().encode("data: [DONE]\n\n"));
        controller.close();
      },
    });

  it("streams `response` pieces and passes the conversation and tools in OpenAI shape", async () => {
    const seen: Record<string, unknown>[] = [];
    const ai = {
      run: async (_model: string, inputs: Record<string, unknown>) => {
        seen.push(inputs);
        return sse([{ response: "Hel" }, { response: "lo" }]);
      },
    };
    const deltas: string[] = [];
    const result = await new WorkersAIProvider(ai).generate(request([{ role: "user", content: "hi" }], deltas));
    expect(result).toMatchObject({ output: "Hello", model: "@cf/meta/llama-3.1-8b-instruct" });
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(seen[0]).toMatchObject({
      stream: true,
      messages: [{ role: "user", content: "hi" }],
      tools: TOOLS.map((t) => ({ type: "function", function: { name: t.name } })),
    });
  });

  it("maps tool_calls to the chat format, and a failing binding to a typed retryable error", async () => {
    const ai = { run: async () => ({ response: "", tool_calls: [{ name: "calculator", arguments: { expression: "1+1" } }] }) };
    expect((await new WorkersAIProvider(ai).generate(request([{ role: "user", content: "1+1" }]))).output).toBe(
      '<|call|>{"name":"calculator","args":{"expression":"1+1"}}',
    );
    const down = { run: async () => Promise.reject(new Error("capacity")) };
    await expect(new WorkersAIProvider(down).generate(request([{ role: "user", content: "x" }]))).rejects.toMatchObject({
      code: "provider_unavailable",
      retryable: true,
    });
  });
});
