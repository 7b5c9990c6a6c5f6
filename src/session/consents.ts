import type { InferenceProviderV1 } from "../inference/provider.ts";
import {
  type ConsentGrant,
  type ConsentRequest,
  type ConsentScope,
  type DataClass,
  type DataPolicy,
  DEVICE_UNAVAILABLE_REASONS,
  type DeviceUnavailableReason,
  DormantError,
  type JournalEventType,
  type Json,
} from "../protocol/index.ts";
import { SESSION_GRANT_TTL_MS, TURN_GRANT_TTL_MS } from "./limits.ts";

type RequestState = "pending" | "declined" | "granted";

/**
 * Consent requests and grants: journaled, with two small tables as their projection. The session
 * checks a grant here before every hosted step; nothing a client says stands in for a row.
 */
export class Consents {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: { readonly policy: DataPolicy },
    /** Journals a row inside the caller's transaction. */
    private readonly append: (type: JournalEventType, payload: Json, opKey: string | null) => void,
  ) {}

  requestState(opKey: string): RequestState | null {
    return (
      (this.sql.exec<{ state: string }>("SELECT state FROM consent_requests WHERE op_key = ?", opKey).toArray()[0]?.state as
        | RequestState
        | undefined) ?? null
    );
  }

  requestFor(opKey: string): ConsentRequest | null {
    const row = this.sql
      .exec<{ body: string; state: string }>("SELECT body, state FROM consent_requests WHERE op_key = ?", opKey)
      .toArray()[0];
    return row ? (JSON.parse(row.body) as ConsentRequest) : null;
  }

  describe(opKey: string, reason: DeviceUnavailableReason, provider: InferenceProviderV1, dataClasses: DataClass[]): ConsentRequest {
    return {
      opKey,
      reason,
      reasonText: DEVICE_UNAVAILABLE_REASONS[reason],
      provider: provider.provider,
      model: provider.modelId,
      recipient: provider.recipient,
      dataClasses,
      policyVersion: this.meta.policy.version,
    };
  }

  /** Inside a transaction: asks the person once per step. */
  request(opKey: string, reason: DeviceUnavailableReason, provider: InferenceProviderV1, dataClasses: DataClass[]): void {
    if (this.requestState(opKey) !== null) return;
    const body = this.describe(opKey, reason, provider, dataClasses);
    this.sql.exec("INSERT INTO consent_requests (op_key, state, body) VALUES (?, 'pending', ?)", opKey, JSON.stringify(body));
    this.append("consent.requested", body as unknown as Json, opKey);
  }

  /** Inside a transaction: records a grant for a requested step (by a person) or by the app's `allow` policy. */
  grant(request: ConsentRequest, scope: ConsentScope, by: ConsentGrant["by"]): ConsentGrant {
    const now = Date.now();
    const grant: ConsentGrant = {
      id: crypto.randomUUID(),
      scope,
      opKey: request.opKey,
      provider: request.provider,
      model: request.model,
      reason: request.reason,
      dataClasses: request.dataClasses,
      grantedAt: now,
      expiresAt: now + (scope === "turn" ? TURN_GRANT_TTL_MS : SESSION_GRANT_TTL_MS),
      by,
      policyVersion: this.meta.policy.version,
    };
    this.sql.exec(
      "INSERT INTO consents (id, scope, op_key, expires_at, revoked_at, body) VALUES (?, ?, ?, ?, NULL, ?)",
      grant.id,
      grant.scope,
      grant.opKey,
      grant.expiresAt,
      JSON.stringify(grant),
    );
    this.sql.exec(
      "INSERT INTO consent_requests (op_key, state, body) VALUES (?, 'granted', ?) ON CONFLICT (op_key) DO UPDATE SET state = 'granted'",
      request.opKey,
      JSON.stringify(request),
    );
    this.append("consent.granted", grant as unknown as Json, request.opKey);
    return grant;
  }

  /** Inside a transaction: Not now. The step keeps waiting for a device. */
  decline(opKey: string): void {
    if (this.requestState(opKey) !== "pending") throw new DormantError("consent_not_pending", `no pending consent request for ${opKey}`);
    this.sql.exec("UPDATE consent_requests SET state = 'declined' WHERE op_key = ?", opKey);
    this.append("consent.declined", { by: "user" }, opKey);
  }

  /** The person revoked what the app's `allow` policy granted: from then on the session asks instead. */
  policyGrantRevoked(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM consents WHERE revoked_at IS NOT NULL AND json_extract(body, '$.by') = 'policy' LIMIT 1").toArray()
        .length > 0
    );
  }

  /** Inside a transaction: the turn is over, and so are its Allow-once grants. */
  endTurn(): void {
    this.sql.exec("UPDATE consents SET expires_at = ? WHERE scope = 'turn' AND expires_at > ?", Date.now(), Date.now());
  }

  /** Inside a transaction: a revoked grant's step waits for a device instead of asking again at once. */
  markDeclined(opKey: string): void {
    this.sql.exec("UPDATE consent_requests SET state = 'declined' WHERE op_key = ?", opKey);
  }

  /** Grants in force now (for the session view and the client's hosted badge). */
  active(): ConsentGrant[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM consents WHERE revoked_at IS NULL AND expires_at > ? ORDER BY rowid", Date.now())
      .toArray()
      .map((row) => JSON.parse(row.body) as ConsentGrant);
  }

  get(id: string): (ConsentGrant & { revokedAt: number | null }) | null {
    const row = this.sql
      .exec<{ body: string; revoked_at: number | null }>("SELECT body, revoked_at FROM consents WHERE id = ?", id)
      .toArray()[0];
    return row ? { ...(JSON.parse(row.body) as ConsentGrant), revokedAt: row.revoked_at } : null;
  }

  /**
   * A grant in force now, within the policy: the session's, or this turn's (turns run one at a
   * time, and a turn's grants end with it — see endTurn).
   */
  validFor(id: string | null = null): ConsentGrant | null {
    const rows = this.sql
      .exec<{ body: string }>(
        `SELECT body FROM consents WHERE revoked_at IS NULL AND expires_at > ? ${id ? "AND id = ?" : ""} ORDER BY scope = 'turn' DESC`,
        ...(id ? [Date.now(), id] : [Date.now()]),
      )
      .toArray();
    const { policy } = this.meta;
    const grant = rows
      .map((row) => JSON.parse(row.body) as ConsentGrant)
      .find((g) => g.policyVersion === policy.version && policy.providers.includes(g.provider));
    return policy.hosted === "never" ? null : (grant ?? null);
  }

  /** Inside a transaction. Returns whether it was in force (revoking twice is a no-op). */
  revoke(id: string, by: string): boolean {
    const grant = this.get(id);
    if (!grant) throw new DormantError("not_found", `no consent ${id}`);
    if (grant.revokedAt !== null) return false;
    this.sql.exec("UPDATE consents SET revoked_at = ? WHERE id = ?", Date.now(), id);
    this.append("consent.revoked", { consentId: id, by }, grant.opKey);
    return true;
  }

  /**
   * Forgets grants that ended (expired or revoked) before `before`, except a revoked policy grant:
   * that one is what keeps the session asking the person instead of consenting for them.
   */
  prune(before: number): number {
    const sql = `DELETE FROM consents WHERE COALESCE(revoked_at, expires_at) < ?
      AND NOT (revoked_at IS NOT NULL AND json_extract(body, '$.by') = 'policy')`;
    return this.sql.exec(sql, before).rowsWritten;
  }
}
