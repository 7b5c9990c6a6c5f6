import type { ScheduleRequest, ScheduleView } from "../protocol/index.ts";

type Row = {
  id: string;
  body: string;
  anchor: number;
  next_at: number | null;
  fired: number;
  last_fired_at: number | null;
  created_at: number;
};

const view = (row: Row): ScheduleView => ({
  ...(JSON.parse(row.body) as ScheduleRequest),
  id: row.id,
  nextAt: row.next_at,
  fired: row.fired,
  lastFiredAt: row.last_fired_at,
  createdAt: row.created_at,
});

/** The session's schedules (fired by its one alarm, see scheduler.ts). Owner of the `schedules` table. */
export class Schedules {
  constructor(private readonly sql: SqlStorage) {}

  insert(id: string, request: ScheduleRequest, anchor: number, nextAt: number | null): void {
    const sql = "INSERT INTO schedules (id, body, anchor, next_at, fired, created_at) VALUES (?, ?, ?, ?, 0, ?)";
    this.sql.exec(sql, id, JSON.stringify(request), anchor, nextAt, anchor);
  }

  /** The schedule, and the time its `every` grid counts from. */
  get(id: string): { schedule: ScheduleView; anchor: number } | null {
    const row = this.sql.exec<Row>("SELECT * FROM schedules WHERE id = ?", id).toArray()[0];
    return row ? { schedule: view(row), anchor: row.anchor } : null;
  }

  list(): ScheduleView[] {
    return this.sql.exec<Row>("SELECT * FROM schedules ORDER BY created_at, id").toArray().map(view);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM schedules").one().n;
  }

  fired(id: string, at: number, nextAt: number | null): void {
    this.sql.exec("UPDATE schedules SET fired = fired + 1, last_fired_at = ?, next_at = ? WHERE id = ?", at, nextAt, id);
  }

  delete(id: string): boolean {
    return this.sql.exec("DELETE FROM schedules WHERE id = ?", id).rowsWritten > 0;
  }
}
