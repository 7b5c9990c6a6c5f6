/** A user message not yet acknowledged by the session; its key makes delivery exactly-once. */
export interface OutboxItem {
  key: string;
  text: string;
  queuedAt: number;
}

/**
 * Messages waiting for the session, persisted in localStorage so a reload or a dropped connection
 * loses none. Each keeps one idempotency key for life: a resend after an ack was lost is
 * recognised by the session and appended once.
 */
export class Outbox {
  private items: OutboxItem[];

  constructor(private readonly storageKey: string) {
    this.items = this.read();
  }

  private read(): OutboxItem[] {
    try {
      const raw = globalThis.localStorage?.getItem(this.storageKey);
      return raw ? (JSON.parse(raw) as OutboxItem[]) : [];
    } catch {
      return [];
    }
  }

  private write(): void {
    try {
      globalThis.localStorage?.setItem(this.storageKey, JSON.stringify(this.items));
    } catch {
      // Storage full or unavailable: the outbox still works for this page's life.
    }
  }

  list(): readonly OutboxItem[] {
    return this.items;
  }

  add(text: string): OutboxItem {
    const item = { key: crypto.randomUUID(), text, queuedAt: Date.now() };
    this.items.push(item);
    this.write();
    return item;
  }

  remove(key: string): void {
    this.items = this.items.filter((item) => item.key !== key);
    this.write();
  }
}
