import type { ConsentDecision, DeviceUnavailableReason, ServerFrame } from "../../src/protocol/index.ts";
import type { Engine } from "../engine/page-engine.ts";
import { ClientError } from "../errors.ts";
import { ApprovalState } from "./approval-state.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";
import { ConsentState } from "./consent-state.ts";
import { Delivery } from "./delivery.ts";
import { DeviceRole } from "./device-role.ts";
import type { ClientEvent, ClientStatus } from "./events.ts";
import { Outbox, type OutboxItem } from "./outbox.ts";
import { Transcript } from "./transcript.ts";

export type { ClientEvent, ClientStatus } from "./events.ts";

export interface ClientOptions extends ConnectionOptions {
  /** Runs the steps the session leases to this device; without one the client only observes. */
  engine?: Engine | null;
  maxNewTokens?: number;
}

export interface Client {
  readonly transcript: Transcript;
  readonly status: ClientStatus;
  readonly lastSeq: number;
  /** Partial text of steps still streaming, by opKey. */
  readonly streaming: ReadonlyMap<string, string>;
  /** Time from opening the socket to the welcome frame, last connect. */
  readonly connectMs: number | null;
  /** Why this device cannot serve inference now; null when it can. */
  readonly unavailable: DeviceUnavailableReason | null;
  readonly consent: ConsentState;
  /** Actions waiting for a person's decision; `decide` answers one. */
  readonly approvals: ApprovalState;
  /** Messages not yet acknowledged by the session (kept across drops and reloads). */
  readonly outbox: readonly OutboxItem[];
  on(listener: (event: ClientEvent) => void): () => void;
  /** Queues the message in the outbox and delivers it (exactly once) as soon as the session is reachable. */
  send(text: string): Promise<number>;
  decide(opKey: string, decision: "approve" | "reject"): Promise<void>;
  /** The person's answer to a hosted-inference consent request. */
  decideConsent(opKey: string, decision: ConsentDecision): Promise<void>;
  revokeConsent(consentId: string): Promise<void>;
  /** Loads the model again (downloading what the cache lost); the session then offers waiting steps here. */
  retryDevice(): Promise<void>;
  close(): void;
}

/** Connects to a session over its WebSocket and keeps following it across drops and reloads. */
export function createClient(options: ClientOptions): Client {
  return new SessionClient(options);
}

/**
 * One client of one session: fans the journal out to the transcript, consent state and listeners;
 * the socket (connection.ts), the device role (device-role.ts) and outbox delivery (delivery.ts)
 * are its parts.
 */
class SessionClient implements Client {
  readonly transcript = new Transcript();
  readonly streaming = new Map<string, string>();
  readonly consent = new ConsentState();
  readonly approvals = new ApprovalState();
  lastSeq = 0;
  private readonly box: Outbox;
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  private readonly connection: Connection;
  private readonly delivery: Delivery;
  private readonly device: DeviceRole | null;
  /** Stable across reconnects: lets the session retire a half-open socket of ours at once. */
  private readonly deviceId = crypto.randomUUID();

  constructor(options: ClientOptions) {
    this.box = new Outbox(`dormant.outbox.${options.session}`);
    const isOpen = () => this.status === "open";
    this.device = options.engine
      ? new DeviceRole(
          options.engine,
          {
            write: (frame) => this.connection.write(frame),
            isOpen,
            connectMs: () => this.connectMs,
            delta: (opKey, text) => this.streamed(opKey, text),
            step: (opKey, result) => this.emit({ type: "step", opKey, result }),
            error: (error) => this.emit({ type: "error", error }),
            availability: (unavailable) => this.emit({ type: "device", unavailable }),
          },
          options.maxNewTokens ?? 96,
        )
      : null;
    this.delivery = new Delivery(this.box, {
      request: (frame) => this.connection.request(frame),
      isOpen,
      lastSeq: () => this.lastSeq,
      changed: (items, busyUntil) => this.emit({ type: "outbox", items, busyUntil }),
    });
    // Another tab of this session queued or delivered a message.
    globalThis.addEventListener?.("storage", (event: StorageEvent) => {
      if (this.box.owns(event.key)) this.delivery.otherTabChanged();
    });
    this.connection = new Connection(options, {
      opened: () => {
        this.connection.write({ type: "hello", role: this.device ? "device" : "observer", afterSeq: this.lastSeq, device: this.deviceId });
        this.device?.announce();
      },
      status: (status) => {
        this.emit({ type: "status", status });
        if (status === "open") void this.delivery.flush();
      },
      frame: (frame) => this.receive(frame),
    });
  }

  get status(): ClientStatus {
    return this.connection.status;
  }

  get connectMs(): number | null {
    return this.connection.connectMs;
  }

  get unavailable(): DeviceUnavailableReason | null {
    return this.device?.unavailable ?? null;
  }

  get outbox(): readonly OutboxItem[] {
    return this.box.list();
  }

  on(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ClientEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private streamed(opKey: string, text: string): void {
    this.streaming.set(opKey, (this.streaming.get(opKey) ?? "") + text);
    this.emit({ type: "delta", opKey, text });
  }

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case "journal": {
        this.lastSeq = Math.max(this.lastSeq, ...frame.entries.map((e) => e.seq));
        for (const entry of frame.entries) if (entry.opKey && entry.type !== "step.leased") this.streaming.delete(entry.opKey);
        this.emit({ type: "journal", entries: frame.entries });
        if (this.consent.apply(frame.entries)) {
          this.emit({ type: "consent", pending: [...this.consent.pending.values()], grants: [...this.consent.grants.values()] });
        }
        if (this.approvals.apply(frame.entries)) this.emit({ type: "approvals", pending: [...this.approvals.pending.values()] });
        for (const message of this.transcript.apply(frame.entries)) this.emit({ type: "message", message });
        break;
      }
      case "step.delta":
        this.streamed(frame.opKey, frame.text);
        break;
      case "lease.offer":
        void this.device?.run(frame);
        break;
      case "error":
        // A refusal no request of ours is waiting for (connection.ts settles the others).
        this.emit({ type: "error", error: new ClientError("request_refused", `${frame.code}: ${frame.message}`) });
        break;
    }
  }

  send(text: string): Promise<number> {
    return this.delivery.send(text);
  }

  async decideConsent(opKey: string, decision: ConsentDecision): Promise<void> {
    await this.connection.request({ type: "consent.decide", opKey, decision });
  }

  async revokeConsent(consentId: string): Promise<void> {
    await this.connection.request({ type: "consent.revoke", consentId });
  }

  async retryDevice(): Promise<void> {
    if (!this.device) throw new ClientError("device_unavailable", "this client has no engine");
    await this.device.retry();
  }

  async decide(opKey: string, decision: "approve" | "reject"): Promise<void> {
    await this.connection.request({ type: "approval.decide", opKey, decision });
  }

  close(): void {
    this.connection.close();
  }
}
