import { MIN_SECRET_CHARS } from "../config/deployment.ts";
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  DormantError,
  isRecord,
  MAX_TOKEN_TTL_SECONDS,
  SESSION_ID_PATTERN,
  TENANT_PATTERN,
  TOKEN_CLOCK_SKEW_SECONDS,
  TOKEN_ROLES,
  type TokenRole,
} from "../protocol/index.ts";

/** What a session capability token grants: one session, for one tenant, in one role, until `exp`. */
export interface TokenClaims {
  sid: string;
  tenant: string;
  role: TokenRole;
  /** The token's own id: revocable per session. */
  jti: string;
  iat: number;
  exp: number;
}

const VERSION = "v2";
const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret.length < MIN_SECRET_CHARS)
    throw new DormantError("misconfigured", `SESSION_TOKEN_SECRET must be at least ${MIN_SECRET_CHARS} characters`);
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export interface TokenRequest {
  sid: string;
  tenant: string;
  role: TokenRole;
  ttlSeconds?: number;
}

/** `v2.<claims>.<HMAC-SHA256 of "v2.<claims>">`, all base64url. */
export async function signToken(secret: string, request: TokenRequest, now = Date.now()): Promise<{ token: string; claims: TokenClaims }> {
  const iat = Math.floor(now / 1000);
  const ttl = request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const claims: TokenClaims = {
    sid: request.sid,
    tenant: request.tenant,
    role: request.role,
    jti: crypto.randomUUID(),
    iat,
    exp: iat + ttl,
  };
  const body = `${VERSION}.${b64url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return { token: `${body}.${b64url(new Uint8Array(signature))}`, claims };
}

const isInt = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

/** Claims a signature vouches for can still be impossible: each field is checked, not trusted. */
function validClaims(value: unknown, nowSeconds: number): value is TokenClaims {
  if (!isRecord(value)) return false;
  const { sid, tenant, role, jti, iat, exp } = value;
  return (
    typeof sid === "string" &&
    SESSION_ID_PATTERN.test(sid) &&
    typeof tenant === "string" &&
    TENANT_PATTERN.test(tenant) &&
    (TOKEN_ROLES as readonly unknown[]).includes(role) &&
    typeof jti === "string" &&
    jti.length > 0 &&
    jti.length <= 64 &&
    isInt(iat) &&
    isInt(exp) &&
    iat <= nowSeconds + TOKEN_CLOCK_SKEW_SECONDS &&
    exp > iat &&
    exp - iat <= MAX_TOKEN_TTL_SECONDS
  );
}

/** Checks signature (constant-time, by WebCrypto), claims and expiry; returns the claims. */
export async function verifyToken(secret: string, token: string, now = Date.now()): Promise<TokenClaims> {
  const parts = token.split(".");
  const invalid = new DormantError("unauthorized", "invalid session token");
  if (parts.length !== 3 || parts[0] !== VERSION) throw invalid;
  let signature: Uint8Array;
  let claims: unknown;
  try {
    signature = fromB64url(parts[2]!);
    claims = JSON.parse(new TextDecoder().decode(fromB64url(parts[1]!)));
  } catch {
    throw invalid;
  }
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(`${parts[0]}.${parts[1]}`));
  const nowSeconds = Math.floor(now / 1000);
  if (!ok || !validClaims(claims, nowSeconds)) throw invalid;
  if (claims.exp <= nowSeconds) throw new DormantError("unauthorized", "session token expired");
  return claims;
}
