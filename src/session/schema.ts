/**
 * SQLite schema of one AgentSession. The journal is the source of truth; the other tables are
 * small indexed projections updated in the same transaction, so waking never replays the journal.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  op_key TEXT,
  stamp TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
  idx INTEGER PRIMARY KEY,
  body TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
  op_key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 1,
  tool TEXT,
  args TEXT,
  effect TEXT,
  approval TEXT,
  lease_id TEXT,
  lease_holder TEXT,
  turn_steps INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_open ON operations (status) WHERE status IN ('not_started', 'in_flight', 'effect_uncertain');
CREATE TABLE IF NOT EXISTS timers (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wakes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consent_requests (op_key TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consents (id TEXT PRIMARY KEY, scope TEXT NOT NULL, op_key TEXT, expires_at INTEGER NOT NULL, revoked_at INTEGER, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trigger_order (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY, body TEXT NOT NULL, anchor INTEGER NOT NULL, next_at INTEGER,
  fired INTEGER NOT NULL, last_fired_at INTEGER, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (op_key TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL);
`;
