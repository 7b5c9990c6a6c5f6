import { DEFAULT_POLICY, type Json, SESSION_DEFAULTS } from "../protocol/index.ts";
import type { SessionMeta } from "./session-store.ts";

/** The session's one `meta` row (its options, written at creation). Owner of the `meta` table. */
export class MetaRow {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * The row, and the rows read (for cold-start accounting). An object that was never initialised
   * has no tables, and reading must not create them.
   */
  read(): { meta: SessionMeta | null; rowsRead: number } {
    const exists = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    if (exists.toArray().length === 0) return { meta: null, rowsRead: exists.rowsRead };
    const cursor = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'session'");
    const row = cursor.toArray()[0];
    // Sessions created before a setting existed get its default (no hosted inference, no
    // self-approval, no model release: any device pin).
    const meta = row ? ({ ...SESSION_DEFAULTS, policy: DEFAULT_POLICY, release: null, ...JSON.parse(row.value) } as SessionMeta) : null;
    return { meta, rowsRead: exists.rowsRead + cursor.rowsRead };
  }

  write(meta: SessionMeta): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('session', ?)", JSON.stringify(meta));
  }
}

/** The journal's first row: what the session was created with (its release: the model it keeps). */
export function createdRow(meta: SessionMeta): Json {
  const { tenant, policy, selfApproval, release } = meta;
  return { tenant, policy: { ...policy }, selfApproval, release: release && { ...release } };
}
