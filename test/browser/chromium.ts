import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { type DevServer, startDevServer } from "../node/dev-server.ts";

const chromiumArgs = (options: { webgpu?: boolean }) => [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  ...(options.webgpu ? ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"] : []),
];
const executablePath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Debian's Chromium, kept off the network; WebGPU (SwiftShader) only when asked for. */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: executablePath(),
    args: chromiumArgs(options),
    ignoreDefaultArgs: ["--enable-unsafe-swiftshader"],
  });
}

/**
 * The same Chromium on a profile kept on disk in `dir`, as a person's browser is: unlike a fresh
 * context it keeps the HTTP cache and compiled wasm (the code cache) between pages.
 */
export async function launchChromiumProfile(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: executablePath(),
    args: chromiumArgs({}),
    ignoreDefaultArgs: ["--enable-unsafe-swiftshader"],
  });
}

export interface DemoPage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** Model and runtime files fetched over the network (the page's and its workers'), by path. */
  artifactRequests: () => string[];
  consoleLog: string[];
}

/** Opens the demo (in a fresh profile unless given a context) and counts every model/ORT byte that crosses the network. */
export async function openDemo(browser: Browser, url: string, context?: BrowserContext): Promise<DemoPage> {
  context ??= await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const consoleLog: string[] = [];
  page.on("console", (message) => consoleLog.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => consoleLog.push(`pageerror: ${error.message}`));
  const requests: string[] = [];
  // Workers' fetches are reported on the context, not the page.
  context.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/(models\/dormant-agent-tiny|ort)\/.+/.test(path) && !/^\/ort\/runtime[-a-z]*\.json$/.test(path)) requests.push(path);
  });
  // The demo asks before any model byte moves (decisions/0010); tests of everything else start from
  // a download already chosen (`download=auto`), and the tests of that choice pass `download=ask`.
  const target = new URL(url);
  if (!target.searchParams.has("download")) target.searchParams.set("download", "auto");
  await page.goto(target.href);
  return { context, page, cdp, artifactRequests: () => [...requests], consoleLog };
}

/** Per test file: one `wrangler dev` on the built web/dist and one Chromium, torn down after. */
export function useDemoStack(options: { webgpu?: boolean } = {}): { readonly server: DevServer; readonly browser: Browser } {
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startDevServer(90_000, { prebuilt: true });
    browser = await launchChromium(options);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
  };
}
