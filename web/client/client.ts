import type {
  ClientFrame,
  ConsentDecision,
  ConsentGrant,
  ConsentRequest,
  DeviceUnavailableReason,
  JournalEntry,
  LeaseOffer,
  ServerFrame,
  StepRuntime,
} from "../../src/protocol/index.ts";
import type { Engine } from "../engine/engine.ts";
import type { GenerateResult } from "../engine/messages.ts";
import { ClientError, toClientError, type ClientErrorCode } from "../errors.ts";
import { ConsentState } from "./consent-state.ts";
import { Outbox, type OutboxItem } from "./outbox.ts";
import { Transcript, type TranscriptMessage } from "./transcript.ts";

export interface ClientOptions {
  baseUrl: string;
  session: string;
  token: string;
  /** Runs the steps the session leases to this device; without one the client only observes. */
  engine?: Engine | null;
  maxNewTokens?: number;
  /** Reconnect backoff: first delay, doubling up to the cap, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
}

export type ClientStatus = "connecting" | "open" | "reconnecting" | "closed";

export type ClientEvent =
  | { type: "status"; status: ClientStatus }
  | { type: "journal"; entries: JournalEntry[] }
  | { type: "message"; message: TranscriptMessage }
  | { type: "delta"; opKey: string; text: string }
  | { type: "step"; opKey: string; result: GenerateResult }
  /** Consent requests waiting for the person, and grants in force (drives the dialog and the badge). */
  | { type: "consent"; pending: ConsentRequest[]; grants: ConsentGrant[] }
  /** This device cannot serve (reason), or can again (null). */
  | { type: "device"; unavailable: DeviceUnavailableReason | null }
  | { type: "outbox"; items: readonly OutboxItem[] }
  | { type: "error"; error: ClientError };

/** Engine failures that mean "this device cannot serve now", and what the person is told. */
const UNAVAILABLE: Partial<Record<ClientErrorCode, DeviceUnavailableReason>> = {
  cache_cleared: "cache_cleared",
  device_lost: "device_lost",
  device_unavailable: "memory_pressure",
  integrity_mismatch: "invalid_artifact",
  quota_exceeded: "storage_full",
  model_load_failed: "load_failed",
  manifest_invalid: "load_failed",
};

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

class SessionClient implements Client {
  readonly transcript = new Transcript();
  readonly streaming = new Map<string, string>();
  status: ClientStatus = "connecting";
  lastSeq = 0;
  connectMs: number | null = null;
  unavailable: DeviceUnavailableReason | null = null;
  readonly consent = new ConsentState();
  private readonly box: Outbox;
  private readonly delivered = new Map<string, { resolve: (seq: number) => void; reject: (error: ClientError) => void }>();
  private flushing = false;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private closed = false;
  private nextRef = 1;
  private readonly replies = new Map<string, { resolve: (seq: number | null) => void; reject: (error: ClientError) => void }>();
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  private readonly running = new Set<string>();
  /** Stable across reconnects: lets the session retire a half-open socket of ours at once. */
  private readonly device = crypto.randomUUID();

  constructor(private readonly options: ClientOptions) {
    this.box = new Outbox(`dormant.outbox.${options.session}`);
    // A device that loads its model again can serve again: tell the session, which re-offers waiting steps.
    options.engine?.on((event) => {
      if (event.type === "state" && event.state.status === "ready" && this.unavailable) this.setUnavailable(null);
    });
    // The browser knows first when the network is gone: stop waiting on a dead socket.
    globalThis.addEventListener?.("offline", () => this.socket?.close(4000, "browser offline"));
    globalThis.addEventListener?.("online", () => {
      if (!this.socket && !this.closed) this.connect();
    });
    this.connect();
  }

  get outbox(): readonly OutboxItem[] {
    return this.box.list();
  }

  private setUnavailable(reason: DeviceUnavailableReason | null): void {
    this.unavailable = reason;
    this.emit({ type: "device", unavailable: reason });
    if (this.status === "open") this.write({ type: "device.status", available: reason === null, reason });
  }

  on(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ClientEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.emit({ type: "status", status });
  }

  private connect(): void {
    const url = new URL(`/v1/sessions/${encodeURIComponent(this.options.session)}/ws`, this.options.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.options.token);
    const started = performance.now();
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      const role = this.options.engine ? "device" : "observer";
      const model = this.options.engine?.state.status === "ready" ? this.options.engine.state.model.pin : null;
      this.write({ type: "hello", role, afterSeq: this.lastSeq, model, device: this.device });
      if (this.unavailable) this.write({ type: "device.status", available: false, reason: this.unavailable });
    });
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      if (frame.type === "welcome") {
        this.connectMs = performance.now() - started;
        this.attempt = 0;
        this.setStatus("open");
        void this.flush();
      }
      this.receive(frame);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const reply of this.replies.values()) reply.reject(new ClientError("connection_closed", "the connection closed before the session answered"));
      this.replies.clear();
      if (this.closed) return this.setStatus("closed");
      this.setStatus("reconnecting");
      if (globalThis.navigator?.onLine === false) return; // The "online" event reconnects.
      const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 10_000 };
      const delay = Math.min(maxMs, initialMs * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
      setTimeout(() => !this.closed && this.connect(), delay);
    });
  }

  private write(frame: ClientFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private request(frame: ClientFrame & { ref?: string }): Promise<number | null> {
    if (this.status !== "open") return Promise.reject(new ClientError("connection_closed", "not connected to the session"));
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      this.replies.set(ref, { resolve, reject });
      this.write({ ...frame, ref });
    });
  }

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case "journal": {
        this.lastSeq = Math.max(this.lastSeq, ...frame.entries.map((e) => e.seq));
        for (const entry of frame.entries) if (entry.opKey && entry.type !== "step.leased") this.streaming.delete(entry.opKey);
        this.emit({ type: "journal", entries: frame.entries });
        if (this.consent.apply(frame.entries)) this.emit({ type: "consent", pending: [...this.consent.pending.values()], grants: [...this.consent.grants.values()] });
        for (const message of this.transcript.apply(frame.entries)) this.emit({ type: "message", message });
        return;
      }
      case "step.delta":
        this.streaming.set(frame.opKey, (this.streaming.get(frame.opKey) ?? "") + frame.text);
        return this.emit({ type: "delta", opKey: frame.opKey, text: frame.text });
      case "lease.offer":
        return void this.runStep(frame);
      case "ack":
      case "error": {
        const reply = frame.ref === null ? undefined : this.replies.get(frame.ref);
        if (frame.ref !== null) this.replies.delete(frame.ref);
        if (frame.type === "ack") return reply?.resolve(frame.seq);
        // The session's own code (from src/protocol's ERROR_STATUS) leads the message.
        const error = new ClientError("request_refused", `${frame.code}: ${frame.message}`);
        return reply ? reply.reject(error) : this.emit({ type: "error", error });
      }
      case "welcome":
        return;
    }
  }

  /** A leased inference step: run it on the engine, stream it, and report how it ran. */
  private async runStep(offer: LeaseOffer): Promise<void> {
    const engine = this.options.engine;
    if (!engine || this.running.has(offer.leaseId)) return;
    this.running.add(offer.leaseId);
    const lease = { opKey: offer.opKey, leaseId: offer.leaseId };
    try {
      const result = await engine.generate(offer.messages, {
        maxNewTokens: this.options.maxNewTokens ?? 96,
        tools: offer.tools,
        onToken: (text) => {
          this.streaming.set(offer.opKey, (this.streaming.get(offer.opKey) ?? "") + text);
          this.emit({ type: "delta", opKey: offer.opKey, text });
          this.write({ type: "step.delta", ...lease, text });
        },
      });
      const coldStart = result.coldStart && { ...result.coldStart, connectMs: this.connectMs ?? 0 };
      const runtime: StepRuntime = {
        backend: result.model.backend,
        dtype: result.model.dtype,
        contextLength: result.model.contextLength,
        tokens: result.tokens,
        decodeMs: result.decodeMs,
        coldStart,
        fallbacks: result.fallbacks,
      };
      this.emit({ type: "step", opKey: offer.opKey, result: { ...result, coldStart } });
      this.write({ type: "step.complete", ...lease, output: result.text, model: result.model.pin, runtime });
    } catch (error) {
      const typed = toClientError(error, "generation_failed");
      this.emit({ type: "error", error: typed });
      const reason = UNAVAILABLE[typed.code] ?? null;
      const message = typed.message.slice(0, 2000);
      if (reason) {
        // This device cannot serve until it recovers; the session decides what comes next
        // (wait, or hosted — only with the person's consent).
        this.unavailable = reason;
        this.emit({ type: "device", unavailable: reason });
        this.write({ type: "step.fail", ...lease, code: "device_unavailable", message, retryable: false, reason });
      } else {
        this.write({ type: "step.fail", ...lease, code: typed.code, message, retryable: true, reason: null });
      }
    } finally {
      this.running.delete(offer.leaseId);
    }
  }

  send(text: string): Promise<number> {
    const item = this.box.add(text);
    this.emit({ type: "outbox", items: this.box.list() });
    const delivered = new Promise<number>((resolve, reject) => this.delivered.set(item.key, { resolve, reject }));
    void this.flush();
    return delivered;
  }

  /** Delivers the outbox in order; stops at the first connection failure (the next open resumes). */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let item = this.box.list()[0]; item && this.status === "open"; item = this.box.list()[0]) {
        let seq: number;
        try {
          seq = (await this.request({ type: "user.message", text: item.text, idempotencyKey: item.key })) ?? this.lastSeq;
        } catch (error) {
          const typed = toClientError(error, "request_refused");
          if (typed.code === "connection_closed") return;
          // Refused for good (e.g. too long): drop it rather than block every later message.
          this.box.remove(item.key);
          this.delivered.get(item.key)?.reject(typed);
          this.delivered.delete(item.key);
          this.emit({ type: "outbox", items: this.box.list() });
          continue;
        }
        this.box.remove(item.key);
        this.delivered.get(item.key)?.resolve(seq);
        this.delivered.delete(item.key);
        this.emit({ type: "outbox", items: this.box.list() });
      }
    } finally {
      this.flushing = false;
    }
  }

  async decideConsent(opKey: string, decision: ConsentDecision): Promise<void> {
    await this.request({ type: "consent.decide", opKey, decision });
  }

  async revokeConsent(consentId: string): Promise<void> {
    await this.request({ type: "consent.revoke", consentId });
  }

  async retryDevice(): Promise<void> {
    if (!this.options.engine) throw new ClientError("device_unavailable", "this client has no engine");
    await this.options.engine.load();
  }

  async decide(opKey: string, decision: "approve" | "reject"): Promise<void> {
    await this.request({ type: "approval.decide", opKey, decision });
  }

  close(): void {
    this.closed = true;
    this.socket?.close(1000, "client closed");
  }
}
