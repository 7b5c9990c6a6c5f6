import type { SessionMeta } from "./session-store";

/** Reads the session's meta row; also reports rows read, for cold-start accounting. */
export function readMeta(sql: SqlStorage): { meta: SessionMeta | null; rowsRead: number } {
  const cursor = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'session'");
  const row = cursor.toArray()[0];
  return { meta: row ? (JSON.parse(row.value) as SessionMeta) : null, rowsRead: cursor.rowsRead };
}

export function writeMeta(sql: SqlStorage, meta: SessionMeta): void {
  sql.exec("INSERT INTO meta (key, value) VALUES ('session', ?)", JSON.stringify(meta));
}
