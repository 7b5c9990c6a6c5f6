/** A user message not yet acknowledged by the session; its key makes delivery exactly-once. */
export interface OutboxItem {
  key: string;
  text: string;
  queuedAt: number;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => T | Promise<T>): Promise<T>;
}

/**
 * Messages waiting for the session, persisted in localStorage so a reload or a dropped connection
 * loses none. Each keeps one idempotency key for life: a resend after an ack was lost is
 * recognised by the session and appended once. Every tab of a session shares the one list: reads
 * go to storage each time, and each change is a read-modify-write under a Web Lock, so two tabs
 * queueing at once (offline, say) cannot overwrite each other's message.
 */
export class Outbox {
  /** This page's own list, once storage is missing or refused a write (full, blocked). */
  private memory: OutboxItem[] | null = globalThis.localStorage ? null : [];

  constructor(readonly storageKey: string) {}

  /** Everything queued for the session, by any tab, oldest first. */
  list(): readonly OutboxItem[] {
    if (this.memory) return this.memory;
    try {
      const raw = globalThis.localStorage.getItem(this.storageKey);
      return raw ? (JSON.parse(raw) as OutboxItem[]) : [];
    } catch {
      return [];
    }
  }

  add(text: string): Promise<OutboxItem> {
    const item = { key: crypto.randomUUID(), text, queuedAt: Date.now() };
    return this.change((items) => [...items, item]).then(() => item);
  }

  remove(key: string): Promise<void> {
    return this.change((items) => items.filter((item) => item.key !== key));
  }

  private change(edit: (items: readonly OutboxItem[]) => OutboxItem[]): Promise<void> {
    const write = () => {
      const next = edit(this.list());
      if (this.memory) {
        this.memory = next;
        return;
      }
      try {
        globalThis.localStorage.setItem(this.storageKey, JSON.stringify(next));
      } catch {
        // Storage full or blocked: what is queued still goes out while this page lives.
        this.memory = next;
      }
    };
    const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
    return locks ? locks.request(this.storageKey, write) : Promise.resolve(write());
  }
}
