import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { currentRelease, DEVICE_MODEL_ID, type ModelManifest, modelPin, type SessionCreated } from "../../src/protocol/index.ts";
import { type DevServer, startDevServer } from "../node/dev-server.ts";
import { nextBuild } from "../node/next-build.ts";
import { launchChromium, openDemo } from "./chromium.ts";
import { chatTurn, clientOpen, deviceSteps } from "./demo-session.ts";

// A deploy seen from the page: a conversation started under deploy N, continued in a browser after
// deploy N+1, still runs on N's model (N's files fetched and verified, N's pin on its steps); a
// conversation started after the deploy runs on N+1's.

const work = mkdtempSync(join(tmpdir(), "dormant-deploys-"));
let browser: Browser;
let server: DevServer | null = null;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("after a deploy, the page answers an older conversation with its own model and a new one with the deploy's", async () => {
  const state = join(work, "state");
  const manifest = JSON.parse(readFileSync(join("web", "dist", "models", "manifest.json"), "utf8")) as ModelManifest;
  const { dist, next } = nextBuild(work);
  server = await startDevServer(90_000, { prebuilt: true, state });
  const res = await fetch(`${server.url}/v1/sessions`, { method: "POST", body: JSON.stringify({ selfApproval: true }) });
  const older = (await res.json()) as SessionCreated;
  await server.stop();
  server = await startDevServer(90_000, { prebuilt: true, state, assets: dist });

  // The app kept the older conversation (the demo reads it from localStorage), as a returning user's tab would.
  const context = await browser.newContext();
  await context.addInitScript((saved) => localStorage.setItem("dormant.session", saved), JSON.stringify(older));
  const fetched: string[] = [];
  context.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  const demo = await openDemo(browser, `${server.url}/?device=wasm&dtype=q8`, context);
  await clientOpen(demo.page);
  const olderSteps = deviceSteps(await chatTurn(demo.page, server.url, "hello"));
  expect(olderSteps.map((s) => s.model)).toEqual([modelPin(manifest.models[0]!, "q8")]);
  expect(currentRelease(manifest, DEVICE_MODEL_ID).pins).toContain(olderSteps[0]!.model);
  // The page loaded the deploy's current model first; the older conversation's step switched it to N's.
  expect(fetched.filter((path) => path.endsWith(".onnx"))).toEqual([
    `/models/${next.path}/onnx/model_quantized.onnx`,
    `/models/${manifest.models[0]!.path}/onnx/model_quantized.onnx`,
  ]);
  await context.close();

  // A new conversation on the same deploy: N+1's model, from N+1's folder.
  const fresh = await openDemo(browser, `${server.url}/?fresh&device=wasm&dtype=q8`);
  await clientOpen(fresh.page);
  const newSteps = deviceSteps(await chatTurn(fresh.page, server.url, "hello"));
  expect(newSteps.map((s) => s.model)).toEqual([modelPin(next, "q8")]);
  expect(fresh.consoleLog.filter((line) => line.startsWith("pageerror"))).toEqual([]);
  await fresh.context.close();
});
