/** A user message not yet acknowledged by the session; its key makes delivery exactly-once. */
export interface OutboxItem {
  key: string;
  text: string;
  queuedAt: number;
}

/**
 * Messages waiting for the session, persisted in localStorage so a reload or a dropped connection
 * loses none. Each keeps one idempotency key for life: a resend after an ack was lost is
 * recognised by the session and appended once. Every tab of a session shares them, one storage
 * entry per message under the session's prefix: adding or removing one never rewrites another's,
 * so two tabs queueing at once (offline, say) cannot lose a message. (A shared list under a Web
 * Lock could: Chromium answers a tab's localStorage reads from that tab's own copy, which another
 * tab's write reaches only later, so a read-modify-write could drop the other tab's item.)
 */
export class Outbox {
  /** This page's own items, once storage is missing or refused a write (full, blocked). */
  private memory: Map<string, OutboxItem> | null = globalThis.localStorage ? null : new Map();

  constructor(private readonly prefix: string) {
    // Earlier builds kept the whole list in one entry under the prefix itself: carry it over.
    try {
      const legacy = globalThis.localStorage?.getItem(prefix);
      if (!legacy) return;
      for (const item of JSON.parse(legacy) as OutboxItem[]) globalThis.localStorage.setItem(`${prefix}:${item.key}`, JSON.stringify(item));
      globalThis.localStorage.removeItem(prefix);
    } catch {
      // Unreadable: it stays where it is, and this outbox starts from what it can read.
    }
  }

  /** Whether a localStorage key (a `storage` event's) is one of this outbox's entries. */
  owns(storageKey: string | null): boolean {
    return storageKey?.startsWith(`${this.prefix}:`) ?? false;
  }

  /** Everything queued for the session, by any tab, oldest first. */
  list(): readonly OutboxItem[] {
    let items: OutboxItem[] = [];
    try {
      items = this.memory ? [...this.memory.values()] : this.stored();
    } catch {
      // Storage became unreadable: nothing to deliver from it.
    }
    return items.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async add(text: string): Promise<OutboxItem> {
    const item = { key: crypto.randomUUID(), text, queuedAt: Date.now() };
    if (this.memory) {
      this.memory.set(item.key, item);
      return item;
    }
    try {
      globalThis.localStorage.setItem(`${this.prefix}:${item.key}`, JSON.stringify(item));
    } catch {
      // Storage full or blocked: what is queued still goes out while this page lives.
      this.memory = new Map([...this.stored(), item].map((i) => [i.key, i]));
    }
    return item;
  }

  async remove(key: string): Promise<void> {
    if (this.memory) this.memory.delete(key);
    else globalThis.localStorage.removeItem(`${this.prefix}:${key}`);
  }

  private stored(): OutboxItem[] {
    const items: OutboxItem[] = [];
    const storage = globalThis.localStorage;
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (!this.owns(key)) continue;
      try {
        items.push(JSON.parse(storage.getItem(key!) ?? "") as OutboxItem);
      } catch {
        // A damaged entry: nothing to deliver from it; the others still go.
      }
    }
    return items;
  }
}
