import { DurableObject } from "cloudflare:workers";

// The minimal versions of the session's work, for the server bench's baselines (bench only).

const TABLE = "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)";

/** A bare SQLite-backed object with an `events` table; `fill` gives it as many rows as what it is compared with. */
class BareObject extends DurableObject<Env> {
  protected insert(body: string): number {
    const { sql } = this.ctx.storage;
    sql.exec(TABLE);
    return this.ctx.storage.transactionSync(
      () => sql.exec<{ seq: number }>("INSERT INTO events (body, at) VALUES (?, ?) RETURNING seq", body, Date.now()).one().seq,
    );
  }

  fill(rows: number, body: string): void {
    const { sql } = this.ctx.storage;
    sql.exec(TABLE);
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < rows; i++) sql.exec("INSERT INTO events (body, at) VALUES (?, ?)", body, Date.now());
    });
  }
}

/** Answers by echoing the request body: what waking an object and answering costs, nothing of ours in it. */
export class BareEcho extends BareObject {
  override async fetch(request: Request): Promise<Response> {
    return new Response(await request.text());
  }
}

/** One SQLite INSERT per event, each its own transaction: the floor for taking an event in. */
export class BareInsert extends BareObject {
  override async fetch(request: Request): Promise<Response> {
    return Response.json({ seq: this.insert(await request.text()) }, { status: 201 });
  }
}
