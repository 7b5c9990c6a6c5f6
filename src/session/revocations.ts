/** Tokens revoked for this session (by id). A revoked token is refused on every route and frame. */
export class Revocations {
  constructor(private readonly sql: SqlStorage) {}

  isRevoked(jti: string): boolean {
    return this.sql.exec("SELECT 1 FROM revoked_tokens WHERE jti = ?", jti).toArray().length > 0;
  }

  /** Inside a transaction. Returns whether it was in force (revoking twice is a no-op). */
  revoke(jti: string): boolean {
    if (this.isRevoked(jti)) return false;
    this.sql.exec("INSERT INTO revoked_tokens (jti, at) VALUES (?, ?)", jti, Date.now());
    return true;
  }
}
