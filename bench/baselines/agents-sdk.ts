import { Agent } from "agents";

/**
 * Baseline: the Cloudflare Agents SDK (`agents`, pinned 0.32.0, dev dependency of the bench only)
 * keeping one conversation two ways. (a) `setState`, its documented state pattern: the state holds
 * the whole message array and each append writes it again (one row in `cf_agents_state`).
 * (b) `this.sql`, its tagged template: one INSERT per message into a table the agent owns.
 *
 * Reached by name (`getAgentByName`: the SDK needs `ctx.id.name`). Its entry points are `async` so
 * the SDK's wrapper starts the agent (`onStart`) on a cold instance; the work is in `#private`
 * methods, which the wrapper leaves alone.
 */
type ChatState = { messages: { role: string; content: string }[] };

export class SdkChat extends Agent<Env, ChatState> {
  override initialState: ChatState = { messages: [] };

  override onStart(): void {
    this.sql`CREATE TABLE IF NOT EXISTS sdk_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL, created_at INTEGER NOT NULL
    )`;
  }

  /** (a) The documented pattern: a new array with the message appended, the whole state written. */
  async appendState(text: string): Promise<number> {
    const messages = [...this.state.messages, { role: "user", content: text }];
    this.setState({ ...this.state, messages });
    return messages.length;
  }

  /** (b) One row per message through the SDK's `sql` template. */
  async appendSql(text: string): Promise<number> {
    const [row] = this.sql<{ seq: number }>`
      INSERT INTO sdk_messages (role, content, created_at) VALUES (${"user"}, ${text}, ${Date.now()}) RETURNING seq`;
    return row?.seq ?? 0;
  }

  /** Untimed: `count` messages kept one way, written at once (one state write, or one transaction). */
  async fill(kind: "state" | "sql", count: number, text: string): Promise<void> {
    if (kind === "state") {
      this.setState({ messages: Array.from({ length: count }, () => ({ role: "user", content: text })) });
      return;
    }
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < count; i++)
        this.sql`INSERT INTO sdk_messages (role, content, created_at) VALUES (${"user"}, ${text}, ${Date.now()})`;
    });
  }
}
