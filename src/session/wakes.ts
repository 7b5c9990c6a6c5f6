import type { WakeRecord } from "../protocol/index.ts";
import { WAKES_KEPT } from "./limits.ts";

/** Cold-start records, one per wake of the object (see wake-clock.ts). Owner of the `wakes` table. */
export class Wakes {
  constructor(private readonly sql: SqlStorage) {}

  record(record: WakeRecord): void {
    this.sql.exec("INSERT INTO wakes (body) VALUES (?)", JSON.stringify(record));
    this.sql.exec("DELETE FROM wakes WHERE id <= (SELECT MAX(id) FROM wakes) - ?", WAKES_KEPT);
  }

  /** How many wakes there were in all, and the latest `limit` of them, newest first. */
  recent(limit: number): { total: number; records: WakeRecord[] } {
    const rows = this.sql.exec<{ id: number; body: string }>("SELECT id, body FROM wakes ORDER BY id DESC LIMIT ?", limit).toArray();
    return { total: rows[0]?.id ?? 0, records: rows.map((row) => JSON.parse(row.body) as WakeRecord) };
  }
}
