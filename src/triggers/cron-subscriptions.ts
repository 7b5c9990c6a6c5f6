import { DurableObject } from "cloudflare:workers";
import { schemaOnce } from "../storage/schema-once.ts";
import type { StubSurface } from "../storage/stub-surface.ts";

export interface Subscription {
  session: string;
  tenant: string;
  cron: string;
  /** What the agent is asked on each tick (null: the tick is only journaled). */
  text: string | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS subscriptions (
  session TEXT NOT NULL, cron TEXT NOT NULL, tenant TEXT NOT NULL, text TEXT, PRIMARY KEY (session, cron)
);
CREATE INDEX IF NOT EXISTS subscriptions_cron ON subscriptions (cron);`;

type Store = StubSurface<CronSubscriptions, "subscribe" | "unsubscribe" | "subscribers" | "ofSession">;

/** The one subscription list (a row per session and cron; the tick reads one index range). */
export function cronSubscriptions(env: Env): Store {
  return env.CRON_SUBSCRIPTIONS.get(env.CRON_SUBSCRIPTIONS.idFromName("all")) as unknown as Store;
}

/** Which sessions a deployment Cron Trigger wakes. Owner of `subscriptions`. */
export class CronSubscriptions extends DurableObject<Env> {
  private readonly sql = schemaOnce(this.ctx, SCHEMA);

  subscribe(subscription: Subscription): void {
    const { session, cron, tenant, text } = subscription;
    this.sql().exec("INSERT OR REPLACE INTO subscriptions (session, cron, tenant, text) VALUES (?, ?, ?, ?)", session, cron, tenant, text);
  }

  unsubscribe(session: string, cron: string): boolean {
    return this.sql().exec("DELETE FROM subscriptions WHERE session = ? AND cron = ?", session, cron).rowsWritten > 0;
  }

  subscribers(cron: string): Subscription[] {
    return this.sql()
      .exec<{ session: string; tenant: string; text: string | null }>(
        "SELECT session, tenant, text FROM subscriptions WHERE cron = ? ORDER BY session",
        cron,
      )
      .toArray()
      .map((row) => ({ ...row, cron }));
  }

  ofSession(session: string): Subscription[] {
    return this.sql()
      .exec<{ cron: string; tenant: string; text: string | null }>(
        "SELECT cron, tenant, text FROM subscriptions WHERE session = ? ORDER BY cron",
        session,
      )
      .toArray()
      .map((row) => ({ ...row, session }));
  }
}
