import type { NoteBook } from "../tools/tool.ts";

/** The notes the `save_note` tool keeps, one per operation. Owner of the `notes` table. */
export class Notebook implements NoteBook {
  constructor(private readonly sql: SqlStorage) {}

  save(key: string, title: string, body: string): number {
    this.sql.exec("INSERT OR REPLACE INTO notes (op_key, title, body, at) VALUES (?, ?, ?, ?)", key, title, body, Date.now());
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM notes").one().n;
  }
}
