import type { ClientFrame } from "../../src/protocol/index.ts";
import { type ClientError, toClientError } from "../errors.ts";
import type { Outbox, OutboxItem } from "./outbox.ts";

/** What delivery needs from its client. */
export interface DeliveryLink {
  request(frame: ClientFrame): Promise<number | null>;
  isOpen(): boolean;
  lastSeq(): number;
  /** `busyUntil`: the session asked us to wait until then (ms) before sending again; null when not. */
  changed(items: readonly OutboxItem[], busyUntil: number | null): void;
}

/**
 * Delivers the outbox to the session in order, exactly once (each item keeps its idempotency key),
 * resuming after drops and reloads. Every tab of the session delivers the shared list; when two
 * send the same item, the session appends it once and answers both.
 */
export class Delivery {
  private readonly waiting = new Map<string, { resolve: (seq: number) => void; reject: (error: ClientError) => void }>();
  private flushing = false;
  private busyUntil: number | null = null;

  constructor(
    private readonly box: Outbox,
    private readonly link: DeliveryLink,
  ) {}

  /** Queues `text` and resolves with its journal seq once the session acknowledged it. */
  async send(text: string): Promise<number> {
    const item = await this.box.add(text);
    const delivered = new Promise<number>((resolve, reject) => this.waiting.set(item.key, { resolve, reject }));
    this.changed();
    void this.flush();
    return delivered;
  }

  /** Another tab changed the shared outbox: show it, and deliver what it queued if we can. */
  otherTabChanged(): void {
    this.changed();
    void this.flush();
  }

  private changed(): void {
    this.link.changed(this.box.list(), this.busyUntil);
  }

  /**
   * Delivers in order; stops at the first connection failure (the next open resumes) and, when the
   * session is busy, keeps the message and tries again when the session said to.
   */
  async flush(): Promise<void> {
    if (this.flushing || (this.busyUntil !== null && Date.now() < this.busyUntil)) return;
    this.busyUntil = null;
    this.flushing = true;
    try {
      for (let item = this.box.list()[0]; item && this.link.isOpen(); item = this.box.list()[0]) {
        let seq: number;
        try {
          seq = (await this.link.request({ type: "user.message", text: item.text, idempotencyKey: item.key })) ?? this.link.lastSeq();
        } catch (error) {
          const typed = toClientError(error, "request_refused");
          if (typed.code === "connection_closed") return;
          if (typed.code === "session_busy") {
            const wait = typed.retryAfterMs ?? 5000;
            this.busyUntil = Date.now() + wait;
            this.changed();
            // The timer itself lifts the wait: a timer may fire a millisecond before the clock says so.
            setTimeout(() => {
              this.busyUntil = null;
              void this.flush();
            }, wait);
            return;
          }
          // Refused for good (e.g. too long): drop it rather than block every later message.
          await this.settle(item.key, (waiter) => waiter.reject(typed));
          continue;
        }
        await this.settle(item.key, (waiter) => waiter.resolve(seq));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async settle(key: string, how: (waiter: { resolve: (seq: number) => void; reject: (error: ClientError) => void }) => void) {
    await this.box.remove(key);
    const waiter = this.waiting.get(key);
    if (waiter) how(waiter);
    this.waiting.delete(key);
    this.changed();
  }
}
