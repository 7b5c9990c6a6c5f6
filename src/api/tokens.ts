import { DormantError } from "../protocol";

/** What a session capability token grants: one session, for one tenant, until `exp`. */
export interface TokenClaims {
  sid: string;
  tenant: string;
  iat: number;
  exp: number;
}

const TOKEN_TTL_SECONDS = 30 * 24 * 3600;
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
  if (secret.length < 32) throw new DormantError("misconfigured", "SESSION_TOKEN_SECRET must be at least 32 characters");
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** `v1.<claims>.<HMAC-SHA256 of "v1.<claims>">`, all base64url. */
export async function signToken(secret: string, sid: string, tenant: string, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const claims: TokenClaims = { sid, tenant, iat, exp: iat + TOKEN_TTL_SECONDS };
  const body = `v1.${b64url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${b64url(new Uint8Array(signature))}`;
}

/** Checks signature (constant-time, by WebCrypto) and expiry; returns the claims. */
export async function verifyToken(secret: string, token: string, now = Date.now()): Promise<TokenClaims> {
  const parts = token.split(".");
  const invalid = new DormantError("unauthorized", "invalid session token");
  if (parts.length !== 3 || parts[0] !== "v1") throw invalid;
  let signature: Uint8Array;
  let claims: TokenClaims;
  try {
    signature = fromB64url(parts[2]!);
    claims = JSON.parse(new TextDecoder().decode(fromB64url(parts[1]!))) as TokenClaims;
  } catch {
    throw invalid;
  }
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), signature, encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!ok || typeof claims.sid !== "string" || typeof claims.tenant !== "string") throw invalid;
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= now) throw new DormantError("unauthorized", "session token expired");
  return claims;
}
