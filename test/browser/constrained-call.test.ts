import { expect, test } from "vitest";
import { type ChatMessage, parseAssistantOutput } from "../../src/protocol/index.ts";
import { defaultTools } from "../../src/tools/registry.ts";
import { openDemo, useDemoStack } from "./chromium.ts";
import { engineSettled } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

// The engine's constrained decoder in real Chromium, on WASM and on WebGPU (SwiftShader): with
// the logits pushed toward invalid JSON (engine fault `garbled_logits`), an unconstrained call
// comes out malformed and a constrained one is still a valid call of a registered tool.
const stack = useDemoStack({ webgpu: true });
const REQUEST = "compose a mail to bob@example.com: lunch is at noon";
const messages: ChatMessage[] = [{ role: "user", content: REQUEST }];
// As the session sends them: each tool with the values this request offers it.
const tools = defaultTools.offer(messages);

const generate = (page: import("playwright-core").Page, withTools: boolean, garble: boolean) =>
  page.evaluate(
    async ({ messages, tools, garble }) => {
      const { engine } = (globalThis as unknown as PageGlobals).dormant;
      if (garble) await engine.injectFault("garbled_logits");
      return (await engine.generate(JSON.parse(messages), { maxNewTokens: 64, tools: JSON.parse(tools) as unknown[] })).text;
    },
    // As JSON text: the compiler cannot follow these types through page.evaluate.
    { messages: JSON.stringify(messages), tools: JSON.stringify(withTools ? tools : []), garble },
  );

for (const [backend, dtype] of [
  ["wasm", "q8"],
  ["webgpu", "fp32"],
] as const) {
  test(`${backend}: a call forced toward invalid JSON is still a valid call when constrained`, async () => {
    const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=${backend}&dtype=${dtype}`);
    expect(await engineSettled(demo.page)).toMatchObject({ status: "ready", model: { backend, dtype } });

    // The lever works: without the constraint, the garbled call does not parse.
    const free = await generate(demo.page, false, true);
    expect(free.startsWith("<|call|>"), free).toBe(true);
    expect(() => parseAssistantOutput(free), free).toThrow();

    const constrained = await generate(demo.page, true, true);
    const output = parseAssistantOutput(constrained);
    expect(output.kind, constrained).toBe("tool_call");
    if (output.kind !== "tool_call") return;
    const spec = tools.find((t) => t.name === output.call.name);
    expect(spec, constrained).toBeDefined();
    expect(Object.keys(output.call.args)).toEqual(Object.keys(spec!.args));
    for (const key of spec!.fromRequest ?? [])
      expect(REQUEST, `${key} is copied from the request`).toContain(String(output.call.args[key]));
    await demo.context.close();
  });
}
