import type { JournalEntry, JournalPage, LeaseOffer, SessionCreated } from "../../src/protocol/index.ts";
import { DEV_HOOK_SECRET } from "../../src/triggers/hook-config.ts";
import { sign } from "../../src/triggers/signature.ts";
import { type Reply, ScriptedDevice } from "./device.ts";
import type { ChaosStack } from "./stack.ts";

export const PATHS = ["device", "hosted", "tool", "webhook"] as const;
export type PathName = (typeof PATHS)[number];

export const EMAIL = { to: "ops@example.com", subject: "Deploy", body: "Deploying now." };
export const callOf = (name: string, args: Record<string, unknown>) => `<|call|>${JSON.stringify({ name, args })}<|end|>`;

/** What each path's device says when nothing goes wrong: the tool path asks to email first. */
function normal(path: PathName): (offer: LeaseOffer) => Reply {
  return (offer) => {
    const last = offer.messages.at(-1);
    if (path === "tool" && last?.role === "user") return { output: callOf("send_email", EMAIL) };
    return { output: "Done.<|end|>" };
  };
}

/**
 * One turn on one path, on a fresh session: a device turn, a hosted turn (the page's device says
 * it cannot run the model; the policy allows hosted), a tool turn with approval (send_email,
 * approved), a webhook turn (signed, through the queue). `client` is the page's connection.
 */
export class PathRun {
  readonly client: ScriptedDevice;
  readonly text: string;
  /** Leases a scripted fault takes over (`hold`, a failure); the rest the device answers normally. */
  readonly normal: (offer: LeaseOffer) => Reply;

  private constructor(
    readonly stack: ChaosStack,
    readonly path: PathName,
    readonly session: SessionCreated,
    readonly tenant: string,
  ) {
    this.normal = normal(path);
    this.client = new ScriptedDevice(() => stack.proxy.url, session, this.normal);
    this.text = `chaos ${path} ${session.id.slice(0, 8)}`;
  }

  /** `leaseTimeoutSeconds`: short by default, so a step stranded by a kill moves on within seconds. */
  static async open(stack: ChaosStack, path: PathName, tenant = "default", leaseTimeoutSeconds = 4): Promise<PathRun> {
    const policy = path === "hosted" ? { hosted: "allow", providers: ["local"] } : { hosted: "ask", providers: ["local"] };
    const options = { tenant, policy, selfApproval: true, leaseTimeoutSeconds, toolWatchdogSeconds: 3 };
    const res = await fetch(`${stack.url}/v1/sessions`, { method: "POST", body: JSON.stringify(options) });
    if (res.status !== 201) throw new Error(`create session: HTTP ${res.status} ${await res.text()}`);
    const run = new PathRun(stack, path, (await res.json()) as SessionCreated, tenant);
    if (path === "hosted") run.client.unavailable = "unsupported";
    await run.client.connect();
    return run;
  }

  /**
   * A session a real page created and drives (Chromium): the run watches it as an observer and
   * leaves every decision to the person on the page.
   */
  static async adopt(stack: ChaosStack, session: SessionCreated): Promise<PathRun> {
    const run = new PathRun(stack, "device", session, "default");
    run.personOnPage = true;
    await run.client.connect("observer");
    return run;
  }

  private personOnPage = false;

  api(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { authorization: `Bearer ${this.session.token}`, "content-type": "application/json" };
    return fetch(`${this.stack.url}/v1/sessions/${this.session.id}${path}`, { ...init, headers });
  }

  async journal(): Promise<JournalEntry[]> {
    return ((await (await this.api("/journal?limit=1000")).json()) as JournalPage).entries;
  }

  /** The turn's first event: a user message (with an idempotency key, as the SDK's outbox sends it), or a webhook. */
  async start(): Promise<void> {
    if (this.path !== "webhook") {
      const body = JSON.stringify({ type: "user.message", text: this.text });
      const res = await this.api("/events", { method: "POST", body, headers: { "idempotency-key": `chaos-${this.session.id}` } });
      if (res.status !== 201) throw new Error(`user message: HTTP ${res.status}`);
      return;
    }
    const body = JSON.stringify({ session: this.session.id, text: this.text });
    const [id, timestamp] = [`chaos-${this.session.id}`, String(Math.floor(Date.now() / 1000))];
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": await sign(DEV_HOOK_SECRET, id, timestamp, body),
    };
    const res = await fetch(`${this.stack.url}/v1/hooks/demo`, { method: "POST", body, headers });
    if (res.status !== 202) throw new Error(`webhook: HTTP ${res.status}`);
  }

  /**
   * Plays the person until the turn ends: approves what waits for approval, allows hosted once
   * where the session asks. Returns the journal then.
   */
  async finish(timeoutMs = 60_000): Promise<JournalEntry[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const entries = await this.person();
      if (entries.some((e) => e.type === "assistant.message" || e.type === "turn.failed")) return entries;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.path}: the turn did not end within ${timeoutMs} ms`);
  }

  private readonly decided = new Set<string>();

  /** The person, once: decides what the journal shows waiting for them. Returns the journal read. */
  private async person(): Promise<JournalEntry[]> {
    const entries = await this.journal().catch(() => []);
    if (this.personOnPage) return entries;
    for (const e of entries) {
      const key = `${e.type}:${e.opKey}`;
      if (this.decided.has(key) || !e.opKey) continue;
      const [path, body] =
        e.type === "approval.requested"
          ? [`/operations/${e.opKey}/approve`, {}]
          : e.type === "consent.requested"
            ? [`/operations/${e.opKey}/consent`, { decision: "once" }]
            : [null, null];
      if (!path) continue;
      const res = await this.api(path, { method: "POST", body: JSON.stringify(body) }).catch(() => null);
      if (res && res.status < 500) this.decided.add(key);
    }
    return entries;
  }

  /** Waits (deciding for the person meanwhile) until the script holds a lease offer: the step's boundary. */
  async heldOffer(timeoutMs = 30_000): Promise<LeaseOffer> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const offer = this.client.held.at(-1);
      if (offer) return offer;
      await this.person();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.path}: no offer was held within ${timeoutMs} ms`);
  }
}
