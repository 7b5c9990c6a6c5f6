import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  url: string;
  /** The local hosted inference server's base URL (…/v1); `GET /requests` is its request log. */
  hostedUrl: string;
  output: () => string;
  stop: () => Promise<void>;
  /** SIGKILL of the whole stack (hosted server, wrangler, workerd): a crash, nothing flushed. */
  kill: () => Promise<void>;
}

export interface DevServerOptions {
  prebuilt?: boolean;
  /** `--var NAME:VALUE` for wrangler (over `.dev.vars`). */
  vars?: Record<string, string>;
  /** Local state folder to use and keep (a restart after a kill passes the same one). */
  state?: string;
  /** Another build's web/dist to serve (a deploy of other assets over the same state). */
  assets?: string;
}

/**
 * Runs `npm start` exactly as a newcomer would, on free ports and a throwaway state folder. With
 * `prebuilt`, runs what it runs after the build (hosted server + wrangler) on the web/dist that
 * `npm test` built, so that parallel test files never rebuild the folder another server is reading.
 */
export async function startDevServer(timeoutMs = 90_000, options: DevServerOptions = {}): Promise<DevServer> {
  const [port, inspector, hostedPort] = [await freePort(), await freePort(), await freePort()];
  const state = options.state ?? mkdtempSync(join(tmpdir(), "dormant-state-"));
  let log = "";
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const assets = options.assets ? ["--assets", options.assets] : [];
  const flags = ["--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, ...assets, ...vars];
  const [command, args] = options.prebuilt ? [process.execPath, ["models/serve/stack.ts", ...flags]] : ["npm", ["start", "--", ...flags]];
  const env = {
    ...process.env,
    DORMANT_HOSTED_PORT: String(hostedPort),
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: join(process.cwd(), ".config"),
  };
  const child: ChildProcess = spawn(command, args, { cwd: process.cwd(), detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const hostedUrl = `http://127.0.0.1:${hostedPort}/v1`;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null) {
      process.kill(-child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    }
    if (!options.state) rmSync(state, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    await exited;
    // The group's last members (workerd) may outlive the leader by a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/v1/health`)).ok) return { url, hostedUrl, output: () => log, stop, kill };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`npm start did not answer /v1/health:\n${log}`);
}

/** The prebuilt stack for one test file: started before its tests, stopped after. Call the getter inside tests. */
export function useDevServer(options: DevServerOptions = { prebuilt: true }): () => DevServer {
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startDevServer(90_000, options);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}

/** Polls `probe` until it gives a value; a timeout's error carries the end of the server's `log`. */
export async function untilLogged<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  log: () => string,
  timeoutMs: number,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; server log:\n${log().slice(-3000)}`);
  }
}
