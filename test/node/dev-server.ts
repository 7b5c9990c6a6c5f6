import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
}

/**
 * Runs `npm start` exactly as a newcomer would, on free ports and a throwaway state folder. With
 * `prebuilt`, runs what it runs after the build (hosted server + wrangler) on the web/dist that
 * `npm test` built, so that parallel test files never rebuild the folder another server is reading.
 */
export async function startDevServer(timeoutMs = 90_000, options: { prebuilt?: boolean } = {}): Promise<DevServer> {
  const [port, inspector, hostedPort] = [await freePort(), await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), "dormant-state-"));
  let log = "";
  const flags = ["--port", String(port), "--inspector-port", String(inspector), "--persist-to", state];
  const [command, args] = options.prebuilt
    ? [process.execPath, ["models/serve/stack.ts", ...flags]]
    : ["npm", ["start", "--", ...flags]];
  const env = { ...process.env, DORMANT_HOSTED_PORT: String(hostedPort), CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", XDG_CONFIG_HOME: join(process.cwd(), ".config") };
  const child: ChildProcess = spawn(command, args, { cwd: process.cwd(), detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const hostedUrl = `http://127.0.0.1:${hostedPort}/v1`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    }
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/v1/health`)).ok) return { url, hostedUrl, output: () => log, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`npm start did not answer /v1/health:\n${log}`);
}
