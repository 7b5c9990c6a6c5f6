import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAILPOINTS } from "../../src/session/failpoints.ts";
import { type DevServer, startDevServer, untilLogged } from "../node/dev-server.ts";
import { CuttableProxy } from "./proxy.ts";

/** Sessions of this tenant hang at `tool.<point>` (local development only): where a kill lands. */
export const killTenant = (point: string) => `chaos-${point.replace(/[._]/g, "-")}`;

/**
 * `npm start`'s stack for the failure matrix: one state folder kept across kills, the hosted
 * server's fault levers, and clients that reach the edge through a proxy the network can fail on.
 */
export class ChaosStack {
  private readonly state = mkdtempSync(join(tmpdir(), "dormant-chaos-"));
  private server!: DevServer;
  proxy!: CuttableProxy;
  /** Tenants whose failpoint already fired: the restarted stack must not stop them there again. */
  private readonly spent = new Set<string>();

  static async start(): Promise<ChaosStack> {
    const stack = new ChaosStack();
    await stack.boot();
    stack.proxy = await CuttableProxy.start(stack.url);
    return stack;
  }

  private async boot(): Promise<void> {
    const armed = FAILPOINTS.map((point) => `${point}@${killTenant(point)}`).filter((spec) => !this.spent.has(spec.split("@")[1]!));
    this.server = await startDevServer(90_000, {
      prebuilt: true,
      state: this.state,
      vars: { DORMANT_FAILPOINTS: armed.join(",") || "none" },
    });
  }

  /** The failpoint of `tenant` fired: a restart leaves it disarmed. */
  spend(tenant: string): void {
    this.spent.add(tenant);
  }

  /** The edge itself (tests' own requests); clients in a scenario go through `proxy.url`. */
  get url(): string {
    return this.server.url;
  }

  get hostedUrl(): string {
    return this.server.hostedUrl;
  }

  output(): string {
    return this.server.output();
  }

  /** Polls `probe` until it gives a value; a timeout's error carries the end of the stack's log. */
  until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
    return untilLogged(probe, what, () => this.output(), timeoutMs);
  }

  /** SIGKILL of wrangler, workerd and the hosted server, then the stack again on the same state. */
  async killAndRestart(): Promise<void> {
    await this.server.kill();
    await this.boot();
    this.proxy.retarget(this.url);
  }

  async hostedFaults(faults: { failNext?: number; delayMs?: number }): Promise<void> {
    const res = await fetch(`${this.hostedUrl}/faults`, { method: "POST", body: JSON.stringify(faults) });
    if (!res.ok) throw new Error(`hosted faults: HTTP ${res.status}`);
  }

  async hostedRequests(): Promise<number> {
    return ((await (await fetch(`${this.hostedUrl}/requests`)).json()) as { requests: unknown[] }).requests.length;
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    await this.server?.stop();
    rmSync(this.state, { recursive: true, force: true });
  }
}
