import { describe, expect, test } from "vitest";
import { openDemo, useDemoStack } from "./chromium.ts";
import { chatTurn, deviceSteps, engineEvents, engineSettled, manifestPin } from "./demo-session.ts";
import type { PageGlobals } from "./page-globals.ts";

// Real Chromium, real model, real `wrangler dev`: the demo page is the embedding app.
const stack = useDemoStack();

describe("on-device turn on WASM", () => {
  test("runs end to end through the session; the journal records device, digest and timings", async () => {
    const demo = await openDemo(stack.browser, `${stack.server.url}/?fresh&device=wasm&dtype=fp32&idleUnloadMs=3000`);
    const state = await engineSettled(demo.page);
    expect(state).toMatchObject({ status: "ready", model: { backend: "wasm", dtype: "fp32" } });
    expect(await demo.page.evaluate(() => (globalThis as unknown as PageGlobals).crossOriginIsolated)).toBe(true);

    const entries = await chatTurn(demo.page, stack.server.url, "what is 12 * 7?");
    const steps = deviceSteps(entries);
    expect(steps.length).toBeGreaterThanOrEqual(1);
    const pin = await manifestPin(stack.server.url, "fp32");
    for (const step of steps) {
      expect(step.model).toBe(pin);
      expect(step.runtime).toMatchObject({ backend: "wasm", dtype: "fp32", contextLength: 256 });
      expect(step.runtime.tokens).toBeGreaterThan(0);
      expect(step.runtime.decodeMs).toBeGreaterThan(0);
    }
    // The first step after the load carries its cold start, phase by phase.
    const cold = steps[0]!.runtime.coldStart!;
    expect(cold.bytesDownloaded).toBeGreaterThan(20_000_000);
    for (const phase of ["connectMs", "downloadMs", "verifyMs", "compileMs", "warmupMs", "firstTokenMs"] as const)
      expect(cold[phase]).toBeGreaterThan(0);
    expect(steps.slice(1).every((s) => s.runtime.coldStart === null)).toBe(true);
    const answer = entries.find((e) => e.type === "assistant.message");
    expect(answer?.payload).toMatchObject({ model: pin });

    // The page shows where the message ran, and the download's progress reached every byte.
    const badge = await demo.page.locator("#messages li.assistant .badge").last().textContent();
    expect(badge).toContain(`dormant-agent-tiny@${pin.split("@sha256:")[1]!.slice(0, 12)}`);
    expect(badge).toContain("wasm/fp32");
    // And how it ran, folded from the journal like GET …/evidence: where, on what, under which policy, how long, how it ended.
    const how = await demo.page.locator(`#messages li.assistant[data-seq="${answer!.seq}"] [part=evidence] span`).textContent();
    expect(how).toMatch(
      /^ran on a device \(wasm\/fp32\) · model dormant-agent-tiny@[0-9a-f]{12} · policy@1 · waited \d+ ms, done after \d+ ms(, first step after a \d+ ms model load, first token \d+ ms)? · committed$/,
    );
    const progress = (await engineEvents(demo.page)).flatMap((e) => (e.type === "cache" && e.event.type === "progress" ? [e.event] : []));
    expect(progress.at(-1)).toMatchObject({ filesDone: progress.at(-1)!.filesTotal });
    expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);

    // Idle: the model is unloaded (the device scales to zero too) and the next lease reloads it
    // from the verified cache, without a byte of download.
    await demo.page.waitForFunction(() => (globalThis as unknown as PageGlobals).dormant.engine.state.status === "idle");
    const again = deviceSteps(await chatTurn(demo.page, stack.server.url, "hi"));
    expect(again[0]!.runtime.coldStart).toMatchObject({ bytesDownloaded: 0, downloadMs: 0 });
    expect(again[0]!.runtime.coldStart!.bytesFromCache).toBeGreaterThan(17_000_000);
    await demo.context.close();
  });
});
