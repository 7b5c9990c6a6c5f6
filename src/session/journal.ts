import type { JournalEntry, JournalEventType, JournalPage, Json, VersionStamp } from "../protocol/index.ts";

/** The part of a row's stamp an inference step brings: which model computed it, on which runtime. */
export type StepStamp = { model: string } & Pick<VersionStamp, "engine">;

interface JournalRow extends Record<string, SqlStorageValue> {
  seq: number;
  type: string;
  payload: string;
  op_key: string | null;
  stamp: string;
  at: number;
}

/** The append-only journal. Appends are O(log n) by INTEGER PRIMARY KEY; nothing ever updates a row. */
export class Journal {
  private last: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly stamp: () => VersionStamp,
  ) {}

  lastSeq(): number {
    this.last ??= this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM journal").one().s ?? 0;
    return this.last;
  }

  /** `step`: the model (and device runtime) that computed the row's inference step, if one did. */
  append(type: JournalEventType, payload: Json, opKey: string | null = null, step: StepStamp | null = null): JournalEntry {
    const seq = this.lastSeq() + 1;
    const at = Date.now();
    const stamp = step ? { ...this.stamp(), ...step } : this.stamp();
    this.sql.exec(
      "INSERT INTO journal (seq, type, payload, op_key, stamp, at) VALUES (?, ?, ?, ?, ?, ?)",
      seq,
      type,
      JSON.stringify(payload),
      opKey,
      JSON.stringify(stamp),
      at,
    );
    this.last = seq;
    return { seq, type, payload, opKey, stamp, at };
  }

  /** Forget the cached tail after a rolled-back transaction. */
  invalidate(): void {
    this.last = null;
  }

  read(after: number, limit: number): JournalPage {
    const rows = this.sql.exec<JournalRow>("SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", after, limit).toArray();
    const entries = rows.map(toEntry);
    return { entries, next: entries.at(-1)?.seq ?? after };
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal").one().n;
  }
}

function toEntry(row: JournalRow): JournalEntry {
  return {
    seq: row.seq,
    type: row.type as JournalEventType,
    payload: JSON.parse(row.payload) as Json,
    opKey: row.op_key,
    stamp: JSON.parse(row.stamp) as VersionStamp,
    at: row.at,
  };
}
