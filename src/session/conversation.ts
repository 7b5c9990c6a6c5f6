import type { ChatMessage } from "../protocol/index.ts";

/** The conversation as rows (one per message), so a long session never hits the 2 MB row cap. */
export class Conversation {
  constructor(private readonly sql: SqlStorage) {}

  add(message: ChatMessage, seq: number): void {
    this.sql.exec("INSERT INTO messages (body, seq) VALUES (?, ?)", JSON.stringify(message), seq);
  }

  /** The newest `limit` messages in order: what an inference step sees. */
  recent(limit: number): ChatMessage[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM (SELECT idx, body FROM messages ORDER BY idx DESC LIMIT ?) ORDER BY idx", limit)
      .toArray()
      .map((row) => JSON.parse(row.body) as ChatMessage);
  }
}
