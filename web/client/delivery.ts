import type { ClientFrame } from "../../src/protocol/index.ts";
import { type ClientError, toClientError } from "../errors.ts";
import type { Outbox, OutboxItem } from "./outbox.ts";

/** What delivery needs from its client. */
export interface DeliveryLink {
  request(frame: ClientFrame): Promise<number | null>;
  isOpen(): boolean;
  lastSeq(): number;
  changed(items: readonly OutboxItem[]): void;
}

/**
 * Delivers the outbox to the session in order, exactly once (each item keeps its idempotency key),
 * resuming after drops and reloads.
 */
export class Delivery {
  private readonly waiting = new Map<string, { resolve: (seq: number) => void; reject: (error: ClientError) => void }>();
  private flushing = false;

  constructor(
    private readonly box: Outbox,
    private readonly link: DeliveryLink,
  ) {}

  /** Queues `text` and resolves with its journal seq once the session acknowledged it. */
  send(text: string): Promise<number> {
    const item = this.box.add(text);
    this.link.changed(this.box.list());
    const delivered = new Promise<number>((resolve, reject) => this.waiting.set(item.key, { resolve, reject }));
    void this.flush();
    return delivered;
  }

  /** Delivers in order; stops at the first connection failure (the next open resumes). */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let item = this.box.list()[0]; item && this.link.isOpen(); item = this.box.list()[0]) {
        let seq: number;
        try {
          seq = (await this.link.request({ type: "user.message", text: item.text, idempotencyKey: item.key })) ?? this.link.lastSeq();
        } catch (error) {
          const typed = toClientError(error, "request_refused");
          if (typed.code === "connection_closed") return;
          // Refused for good (e.g. too long): drop it rather than block every later message.
          this.settle(item.key, (waiter) => waiter.reject(typed));
          continue;
        }
        this.settle(item.key, (waiter) => waiter.resolve(seq));
      }
    } finally {
      this.flushing = false;
    }
  }

  private settle(key: string, how: (waiter: { resolve: (seq: number) => void; reject: (error: ClientError) => void }) => void): void {
    this.box.remove(key);
    const waiter = this.waiting.get(key);
    if (waiter) how(waiter);
    this.waiting.delete(key);
    this.link.changed(this.box.list());
  }
}
