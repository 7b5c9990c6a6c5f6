import { expect } from "vitest";
import type { JournalEntry, JournalPage, LeaseOffer, ServerFrame, SessionCreated } from "../../src/protocol/index.ts";
import { type DevServer, untilLogged } from "./dev-server.ts";

/**
 * A session on a running stack with one device connected over a plain WebSocket speaking the
 * protocol: what a browser's client does, scripted.
 */
export class DeviceSession {
  readonly frames: ServerFrame[] = [];
  private socket!: WebSocket;
  private constructor(
    private readonly stack: DevServer,
    readonly created: SessionCreated,
  ) {}

  static async create(stack: DevServer, policy: Record<string, unknown>): Promise<DeviceSession> {
    const res = await fetch(`${stack.url}/v1/sessions`, { method: "POST", body: JSON.stringify({ policy }) });
    expect(res.status).toBe(201);
    return DeviceSession.attach(stack, (await res.json()) as SessionCreated);
  }

  /** The same session's device connecting (again), e.g. to a stack restarted on the same state. */
  static async attach(stack: DevServer, created: SessionCreated): Promise<DeviceSession> {
    const session = new DeviceSession(stack, created);
    await session.connect();
    return session;
  }

  private async connect(): Promise<void> {
    const { id, token } = this.created;
    this.socket = new WebSocket(`${this.stack.url.replace("http", "ws")}/v1/sessions/${id}/ws?token=${encodeURIComponent(token)}`);
    this.socket.addEventListener("message", (event) => this.frames.push(JSON.parse(String(event.data)) as ServerFrame));
    await new Promise((resolve, reject) => {
      this.socket.addEventListener("open", resolve);
      this.socket.addEventListener("error", reject);
    });
    this.send({ type: "hello", role: "device", device: "test-device" });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  api(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { authorization: `Bearer ${this.created.token}`, "content-type": "application/json" };
    return fetch(`${this.stack.url}/v1/sessions/${this.created.id}${path}`, { ...init, headers });
  }

  async journal(): Promise<JournalEntry[]> {
    return ((await (await this.api("/journal?limit=1000")).json()) as JournalPage).entries;
  }

  entry(type: string, after = 0): Promise<JournalEntry> {
    return this.until(async () => (await this.journal()).find((e) => e.type === type && e.seq > after), type);
  }

  offers(): LeaseOffer[] {
    return this.frames.filter((f): f is LeaseOffer => f.type === "lease.offer");
  }

  /** A user turn whose first step the device cannot serve: the cache was cleared. */
  async turnOnUnavailableDevice(text: string): Promise<string> {
    const before = this.offers().length;
    this.send({ type: "user.message", text });
    const offer = await this.until(() => this.offers()[before], "a lease offer");
    this.send({
      type: "step.fail",
      opKey: offer.opKey,
      leaseId: offer.leaseId,
      code: "device_unavailable",
      message: "cache gone",
      retryable: false,
      reason: "cache_cleared",
    });
    return offer.opKey;
  }

  until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
    return untilLogged(probe, what, () => this.stack.output(), timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
