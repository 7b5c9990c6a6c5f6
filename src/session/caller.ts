import { DormantError, type TokenRole } from "../protocol/index.ts";

/**
 * Who is asking, as the API worker verified it from the token: the session object checks the
 * tenant, the role and revocation on every call, HTTP or WebSocket frame alike.
 */
export interface Caller {
  tenant: string;
  role: TokenRole;
  /** The token's id, for per-session revocation. */
  jti: string;
}

/** Carries the verified caller from the API worker to the object on a WebSocket upgrade. */
export const CALLER_HEADER = "x-dormant-caller";

/** Which tenants an app key may act for: all, or a list. */
export type TenantScope = "*" | readonly string[];

export function inScope(scope: TenantScope, tenant: string): boolean {
  return scope === "*" || scope.includes(tenant);
}

/** What a call does, for the role check. */
export type Action = "read" | "message" | "lease" | "approve" | "consent";

const ROLE_ACTIONS: Record<TokenRole, readonly Action[]> = {
  viewer: ["read"],
  device: ["read", "message", "lease", "consent"],
  approver: ["read", "approve", "consent"],
};

const NEEDS: Record<Action, string> = {
  read: "any session token",
  message: "a device token",
  lease: "a device token",
  approve: "an approver token (this session does not let devices approve their own actions)",
  consent: "a device or approver token",
};

/**
 * Throws `forbidden` unless `caller` may do `action`. `selfApproval` is the session's policy on
 * whether a device may decide approvals itself.
 */
export function authorize(caller: Caller, action: Action, selfApproval: boolean): void {
  if (ROLE_ACTIONS[caller.role].includes(action)) return;
  if (action === "approve" && selfApproval && caller.role === "device") return;
  throw new DormantError("forbidden", `a ${caller.role} token cannot do this: it needs ${NEEDS[action]}`);
}

/** Who may call: a verified token's caller and what it wants, an app key's tenants, or the runtime itself (null). */
export type Access = { caller: Caller; action: Action } | { scope: TenantScope } | null;

/** What admission reads: the session's tenant and policy, and its revoked tokens. */
export interface AdmissionStore {
  readonly meta: { tenant: string; selfApproval: boolean };
  readonly revocations: { isRevoked(jti: string): boolean };
}

/** Every call's checks: tenant, revocation and role, or the app key's tenant scope. */
export function admit(access: Access, { meta, revocations }: AdmissionStore): void {
  if (access === null) return;
  if ("scope" in access) {
    if (!inScope(access.scope, meta.tenant)) throw new DormantError("forbidden", "this app key is not for this session's tenant");
    return;
  }
  if (access.caller.tenant !== meta.tenant) throw new DormantError("forbidden", "this token is not valid for this session");
  if (revocations.isRevoked(access.caller.jti)) throw new DormantError("unauthorized", "this token was revoked");
  authorize(access.caller, access.action, meta.selfApproval);
}
