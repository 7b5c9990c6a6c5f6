import type { ClientFrame, ServerFrame } from "../../src/protocol/index.ts";
import { ClientError } from "../errors.ts";
import type { ClientStatus } from "./events.ts";

export interface ConnectionOptions {
  baseUrl: string;
  session: string;
  token: string;
  /** Reconnect backoff: first delay, doubling up to the cap, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
}

/** What the connection reports to its client. */
export interface ConnectionEvents {
  /** The socket opened: the client says hello. */
  opened(): void;
  status(status: ClientStatus): void;
  /** Any frame that is not the answer to a request (an error nobody asked for included). */
  frame(frame: ServerFrame): void;
}

type Reply = { resolve: (seq: number | null) => void; reject: (error: ClientError) => void };

/**
 * The session's WebSocket: reconnects with jittered, doubling backoff, follows the browser's
 * online state, and matches acks and errors to the requests that asked (by `ref`).
 */
export class Connection {
  status: ClientStatus = "connecting";
  /** Time from opening the socket to the welcome frame, last connect. */
  connectMs: number | null = null;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private closed = false;
  private nextRef = 1;
  private readonly replies = new Map<string, Reply>();

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    // The browser knows first when the network is gone: stop waiting on a dead socket.
    globalThis.addEventListener?.("offline", () => this.socket?.close(4000, "browser offline"));
    globalThis.addEventListener?.("online", () => {
      if (!this.socket && !this.closed) this.connect();
    });
    this.connect();
  }

  write(frame: ClientFrame): void {
    this.socket?.send(JSON.stringify(frame));
  }

  /** Sends a frame and resolves with its ack's seq; rejects with the session's refusal or a dropped connection. */
  request(frame: ClientFrame & { ref?: string }): Promise<number | null> {
    if (this.status !== "open") return Promise.reject(new ClientError("connection_closed", "not connected to the session"));
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      this.replies.set(ref, { resolve, reject });
      this.write({ ...frame, ref });
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.close(1000, "client closed");
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.events.status(status);
  }

  private connect(): void {
    const url = new URL(`/v1/sessions/${encodeURIComponent(this.options.session)}/ws`, this.options.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", this.options.token);
    const started = performance.now();
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => this.events.opened());
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      if (frame.type === "welcome") {
        this.connectMs = performance.now() - started;
        this.attempt = 0;
        this.setStatus("open");
      }
      if (!this.answered(frame)) this.events.frame(frame);
    });
    socket.addEventListener("close", () => this.dropped(socket));
  }

  /** Settles the request an ack or error answers; false when the frame answers none. */
  private answered(frame: ServerFrame): boolean {
    if (frame.type !== "ack" && frame.type !== "error") return false;
    const reply = frame.ref === null ? undefined : this.replies.get(frame.ref);
    if (frame.ref !== null) this.replies.delete(frame.ref);
    if (frame.type === "ack") {
      reply?.resolve(frame.seq);
      return true;
    }
    if (!reply) return false;
    // The session's own code (from src/protocol's ERROR_STATUS) leads the message.
    const text = `${frame.code}: ${frame.message}`;
    const retryAfterMs = frame.retryAfter === undefined ? undefined : frame.retryAfter * 1000;
    reply.reject(
      retryAfterMs === undefined ? new ClientError("request_refused", text) : new ClientError("session_busy", text, { retryAfterMs }),
    );
    return true;
  }

  private dropped(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    for (const reply of this.replies.values())
      reply.reject(new ClientError("connection_closed", "the connection closed before the session answered"));
    this.replies.clear();
    if (this.closed) {
      this.setStatus("closed");
      return;
    }
    this.setStatus("reconnecting");
    if (globalThis.navigator?.onLine === false) return; // The "online" event reconnects.
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 250, maxMs: 10_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
    setTimeout(() => !this.closed && this.connect(), delay);
  }
}
