import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useDemoStack } from "./chromium.ts";
import { until } from "./demo-session.ts";

// examples/embed as an app team would run it: the packed @dormant/web tarball installed with npm,
// the app's TypeScript checked against the package's types, and its page on its own origin
// (http://127.0.0.1:8788, listed in .dev.vars) embedding <dormant-chat> against the API on another.
const ROOT = join(import.meta.dirname, "..", "..");
const EXAMPLE = join(ROOT, "examples", "embed");
const APP = "http://127.0.0.1:8788";
const exec = promisify(execFile);
const stack = useDemoStack();

type Packed = [{ filename: string; files: { path: string }[] }];
let dir: string;
let app: ChildProcess;
let packedFiles: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dormant-embed-"));
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: join(ROOT, "web", "package") });
  const [{ filename, files }] = JSON.parse(packed.stdout) as Packed;
  packedFiles = files.map((f) => f.path);
  for (const file of ["index.html", "main.ts", "server.ts", "package.json", "tsconfig.json"])
    await copyFile(join(EXAMPLE, file), join(dir, file));
  await exec("npm", ["install", "--no-audit", "--no-fund", `./${filename}`], { cwd: dir });
  app = spawn(process.execPath, [join(dir, "server.ts")], { env: { ...process.env, DORMANT_API: stack.server.url, PORT: "8788" } });
  await new Promise<void>((resolve, reject) => {
    app.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("example app on") && resolve());
    app.on("exit", (code) => reject(new Error(`the example app exited with ${code}`)));
  });
});
afterAll(async () => {
  app?.kill();
  await rm(dir, { recursive: true, force: true });
});

const tsc = (project: string) =>
  exec(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", project]).then(
    () => "ok",
    (error: { stdout: string }) => error.stdout,
  );

describe("the packed package", () => {
  it("holds exactly what an app needs: its manifest and README, the ESM code and the .d.ts files", async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, "web", "package", "package.json"), "utf8")) as {
      exports: Record<string, string | { types: string; import: string }>;
    };
    const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === "string" ? [t] : [t.types, t.import]));
    for (const target of targets) expect(packedFiles).toContain(target.replace(/^\.\//, ""));
    const stray = packedFiles.filter(
      (path) => !/^(package\.json|README\.md|lib\/[\w-]+\.js|lib\/types\/(web|src\/protocol)\/.+\.d\.ts)$/.test(path),
    );
    expect(stray).toEqual([]);
    // Every code file is an entry or a chunk an entry imports: no dead weight.
    const code = packedFiles.filter((path) => path.endsWith(".js"));
    const entries = await Promise.all(["index.js", "element.js"].map((f) => readFile(join(ROOT, "web", "package", "lib", f), "utf8")));
    for (const path of code)
      expect(["lib/index.js", "lib/element.js"].includes(path) || entries.some((e) => e.includes(`./${path.slice(4)}`))).toBe(true);
  });

  it("type-checks the app against its .d.ts files, and would catch a wrong call", async () => {
    expect(await tsc(dir)).toBe("ok");
    await writeFile(join(dir, "wrong.ts"), 'import "@dormant/web/element";\ndocument.querySelector("dormant-chat")!.client?.send(42);\n');
    await writeFile(join(dir, "tsconfig.wrong.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["wrong.ts"] }));
    expect(await tsc(join(dir, "tsconfig.wrong.json"))).toMatch(/wrong\.ts.*'number' is not assignable to parameter of type 'string'/s);
  });
});

/** What page code touches here (tests type-check without the DOM lib). */
type EmbedPage = {
  document: { querySelector(selector: string): { client: { status: string } | null } | null };
  crossOriginIsolated: boolean;
};

/** Sends `text` through the element's own composer and waits for an answer that contains `want`. */
async function askInElement(page: Page, text: string, want: string): Promise<{ text: string; origin: string }> {
  await until(
    () => page.evaluate(() => (globalThis as unknown as EmbedPage).document.querySelector("dormant-chat")?.client?.status === "open"),
    "the element's socket to open",
  );
  await page.locator("dormant-chat input").fill(text);
  await page.locator("dormant-chat button[type=submit]").click();
  const answer = page.locator("dormant-chat li.assistant", { hasText: want });
  await answer.waitFor({ timeout: 240_000 });
  return { text: (await answer.textContent()) ?? "", origin: (await answer.locator(".badge").getAttribute("data-origin")) ?? "" };
}

describe("the example app on its own origin", () => {
  for (const isolated of [false, true]) {
    it(`completes an on-device turn in <dormant-chat> (${isolated ? "" : "not "}cross-origin isolated)`, async () => {
      const context = await stack.browser.newContext();
      const fetched: string[] = [];
      context.on("request", (request) => fetched.push(request.url()));
      const page = await context.newPage();
      await page.goto(`${APP}/${isolated ? "?isolated" : ""}`);
      expect(await page.evaluate(() => (globalThis as unknown as EmbedPage).crossOriginIsolated)).toBe(isolated);
      // A first visit: the element says what it would download and waits for the person.
      const notice = page.locator("dormant-chat [part=notice]");
      await notice.filter({ hasText: "download" }).waitFor({ timeout: 60_000 });
      expect(await notice.textContent()).toMatch(
        /^The assistant can run on this device: download \d+\.\d MiB once, or continue hosted \(asks first\)\.$/,
      );
      expect(fetched.filter((url) => /\/(models\/dormant-agent-tiny|ort)\/.+\.(onnx|wasm|part\d)$/.test(url))).toEqual([]);
      await page.locator("dormant-chat [part=retry]", { hasText: /^Download \(\d+\.\d MiB\)$/ }).click();
      const answer = await askInElement(page, "what's 12 times 7?", "84");
      expect(answer.origin).toBe("device");
      // The engine, model and runtime came from the asset origin (the API's), not the app's.
      const api = new URL(stack.server.url).origin;
      // Headless Chromium has no WebGPU adapter here: the WASM-only engine, and none of the WebGPU build.
      expect(fetched.filter((url) => url.includes("/assets/engine-worker"))).toEqual([`${api}/assets/engine-worker-wasm.js`]);
      expect(fetched.filter((url) => url.includes("asyncify"))).toEqual([]);
      expect(fetched.some((url) => url.startsWith(`${api}/models/dormant-agent-tiny/`))).toBe(true);
      expect(fetched.filter((url) => url.startsWith(APP) && /\/(models|ort)\//.test(url))).toEqual([]);
      // The app's own script saw the answer through the typed client, and the panel says about threads.
      expect(await page.textContent("#app-status")).toBe("last answer ran on: device");
      expect(await page.locator("dormant-chat [part=cold-start]").textContent()).toContain(
        isolated ? "page is cross-origin isolated" : "page is not cross-origin isolated",
      );
      await context.close();
    });
  }
});
