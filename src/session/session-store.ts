import {
  type ChatMessage,
  type JournalEntry,
  type JournalEventType,
  type Json,
  type ModelRelease,
  PROTOCOL_VERSION,
  RUNTIME_VERSION,
  type SessionOptions,
  type VersionStamp,
} from "../protocol/index.ts";
import { Consents } from "./consents.ts";
import { Conversation } from "./conversation.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { Inbox } from "./inbox.ts";
import { Journal, type StepStamp } from "./journal.ts";
import { Notebook } from "./notebook.ts";
import { Operations } from "./operations.ts";
import { Revocations } from "./revocations.ts";
import { Schedules } from "./schedules.ts";
import { Timers } from "./timers.ts";
import { TriggerOrder } from "./trigger-order.ts";
import { Wakes } from "./wakes.ts";

export interface SessionMeta extends SessionOptions {
  id: string;
  createdAt: number;
  /** The model revision the session was created under; null for sessions older than releases. */
  release: ModelRelease | null;
}

/**
 * Everything a session persists, behind one transaction helper: one owner class per table (the
 * `meta` row is meta.ts's, the schema schema.ts's), and no SQL here or anywhere else. Journal rows
 * appended inside `tx` are published to connected clients only after the transaction commits.
 */
export class SessionStore {
  readonly journal: Journal;
  readonly ops: Operations;
  readonly conversation: Conversation;
  readonly timers: Timers;
  readonly idempotency: IdempotencyStore;
  readonly revocations: Revocations;
  readonly inbox: Inbox;
  readonly wakes: Wakes;
  readonly consents: Consents;
  readonly notebook: Notebook;
  readonly triggerOrder: TriggerOrder;
  readonly schedules: Schedules;
  private pending: JournalEntry[] = [];

  constructor(
    private readonly storage: DurableObjectStorage,
    readonly meta: SessionMeta,
    private readonly publish: (entries: JournalEntry[]) => void,
  ) {
    const sql = storage.sql;
    this.journal = new Journal(sql, () => this.stamp());
    this.ops = new Operations(sql);
    this.conversation = new Conversation(sql);
    this.timers = new Timers(sql, storage);
    this.idempotency = new IdempotencyStore(sql);
    this.revocations = new Revocations(sql);
    this.inbox = new Inbox(sql);
    this.wakes = new Wakes(sql);
    this.consents = new Consents(sql, meta, (type, payload, opKey) => this.append(type, payload, opKey));
    this.notebook = new Notebook(sql);
    this.triggerOrder = new TriggerOrder(sql);
    this.schedules = new Schedules(sql);
  }

  stamp(): VersionStamp {
    return {
      runtime: RUNTIME_VERSION,
      protocol: PROTOCOL_VERSION,
      policy: `policy@${this.meta.policy.version}`,
      model: null,
    };
  }

  /**
   * Runs `fn` atomically: all of its rows land, or none (and nothing is published). The alarm is
   * pointed at the earliest timer in the same transaction.
   */
  tx<T>(fn: () => T): T {
    try {
      const result = this.storage.transactionSync(() => {
        const value = fn();
        this.timers.pointAlarm();
        return value;
      });
      const entries = this.pending;
      this.pending = [];
      if (entries.length > 0) this.publish(entries);
      return result;
    } catch (error) {
      this.pending = [];
      this.timers.discard();
      this.journal.invalidate();
      throw error;
    }
  }

  /** `step`: on the rows of an inference step, the model that computed it (see VersionStamp). */
  append(type: JournalEventType, payload: Json, opKey: string | null = null, step: StepStamp | null = null): JournalEntry {
    const entry = this.journal.append(type, payload, opKey, step);
    this.pending.push(entry);
    return entry;
  }

  /** Appends a journal row and the conversation message it carries, in one step. */
  say(type: JournalEventType, payload: Json, opKey: string | null, message: ChatMessage, step: StepStamp | null = null): JournalEntry {
    const entry = this.append(type, payload, opKey, step);
    this.conversation.add(message, entry.seq);
    return entry;
  }
}
