import { DormantError } from "./errors.ts";

/**
 * What a session token lets its holder do. `device`: send messages, take inference leases and
 * answer consent for its own data; `viewer`: read only; `approver`: decide approvals, consents and
 * uncertain effects. Tokens are minted by the app's backend with the create key.
 */
export const TOKEN_ROLES = ["device", "viewer", "approver"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export function parseTokenRole(value: unknown): TokenRole {
  if (typeof value === "string" && (TOKEN_ROLES as readonly string[]).includes(value)) return value as TokenRole;
  throw new DormantError("invalid_request", `"role" must be one of: ${TOKEN_ROLES.join(", ")}`);
}

/** Longest a token may live, and what a token gets when its minter does not say. */
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const DEFAULT_TOKEN_TTL_SECONDS = 12 * 3600;
/** How far a token's `iat` may lie ahead of this clock (clock skew between the app and the edge). */
export const TOKEN_CLOCK_SKEW_SECONDS = 60;
