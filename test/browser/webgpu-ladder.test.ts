import { expect, test } from "vitest";
import { openDemo, useDemoStack } from "./chromium.ts";
import { chatTurn, deviceSteps, engineEvents, engineSettled, manifestPin } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

// WebGPU on Chromium's SwiftShader adapter: slow, but the real WebGPU code path of ORT.
const stack = useDemoStack({ webgpu: true });

const injectFault = (page: import("playwright-core").Page, fault: "device_lost" | "oom") =>
  page.evaluate((fault) => (globalThis as unknown as PageGlobals).dormant.engine.injectFault(fault), fault);

test("the turn runs with device: 'webgpu' on SwiftShader", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=webgpu&dtype=fp32`);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready", model: { backend: "webgpu", dtype: "fp32" } });
  const steps = deviceSteps(await chatTurn(demo.page, stack.server.url, "what is 12 * 7?"));
  expect(steps.length).toBeGreaterThanOrEqual(1);
  const pin = await manifestPin(stack.server.url, "fp32");
  for (const step of steps) expect(step).toMatchObject({ model: pin, runtime: { backend: "webgpu", dtype: "fp32", fallbacks: [] } });
  expect(await demo.page.locator("#messages li.assistant .badge").last().textContent()).toContain("webgpu/fp32");
  await demo.context.close();
});

test("auto does not prefer the software adapter over WASM unless the app asks for it", async () => {
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=auto&dtype=fp32`);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready", model: { backend: "wasm", dtype: "fp32" } });
  await demo.context.close();
});

test("a real device.lost steps down from WebGPU to WASM and the turn still completes", async () => {
  // Asked for: SwiftShader is the only WebGPU here, and this test needs a WebGPU rung above WASM.
  const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=auto&fallbackAdapter=allow&dtype=fp32`);
  expect(await engineSettled(demo.page)).toMatchObject({ status: "ready", model: { backend: "webgpu" } });
  // GPUDevice.destroy() on the device ORT holds: the next run fails the way a lost GPU does.
  await injectFault(demo.page, "device_lost");
  const entries = await chatTurn(demo.page, stack.server.url, "hello");
  const steps = deviceSteps(entries);
  expect(entries.map((e) => e.type)).toContain("assistant.message");
  expect(steps[0]!.runtime).toMatchObject({ backend: "wasm", dtype: "fp32" });
  expect(steps[0]!.runtime.fallbacks[0]).toMatch(/^webgpu\/fp32@256 → wasm\/fp32@256: /);
  expect(steps[0]!.model).toBe(await manifestPin(stack.server.url, "fp32"));
  // The reload after stepping down is a cold start of its own, reported with the step.
  expect(steps[0]!.runtime.coldStart?.compileMs).toBeGreaterThan(0);
  const ladder = (await engineEvents(demo.page)).filter((e) => e.type === "ladder");
  expect(ladder).toHaveLength(1);

  // An allocation failure on WASM (dtype pinned to fp32 here) steps to the shorter context.
  await injectFault(demo.page, "oom");
  const after = deviceSteps(await chatTurn(demo.page, stack.server.url, "hi"));
  expect(after[0]!.runtime).toMatchObject({ backend: "wasm", dtype: "fp32", contextLength: 128 });
  expect(after[0]!.runtime.fallbacks).toEqual([expect.stringMatching(/^wasm\/fp32@256 → wasm\/fp32@128: .*allocate/)]);
  expect(after[0]!.runtime.coldStart?.bytesDownloaded).toBe(0);
  await demo.context.close();
});
