import { DormantError } from "../protocol/index.ts";

/** Clock skew a sender may have, either way; a delivery stamped further off is refused. */
export const SIGNATURE_TOLERANCE_S = 5 * 60;

export interface SignedDelivery {
  /** `Webhook-Id` (or `Idempotency-Key`): the sender's delivery id, the same on every retry. */
  id: string;
  /** `Webhook-Timestamp`: unix seconds when the sender signed it. */
  timestamp: string;
  /** `Webhook-Signature`: space-separated `v1=<hex>` entries (several while a secret rotates). */
  signature: string;
  body: string;
}

const encoder = new TextEncoder();

function hexBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-f]{2}){32}$/i.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g)!.map((pair) => Number.parseInt(pair, 16)));
}

/** What the sender signs: id, timestamp and body, so neither can be swapped onto another delivery. */
export function signedContent(id: string, timestamp: string, body: string): string {
  return `${id}.${timestamp}.${body}`;
}

export async function sign(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(signedContent(id, timestamp, body))));
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Throws `unauthorized` unless one `v1=` entry is HMAC-SHA256 of the signed content under `secret`
 * and the timestamp is within the tolerance of `nowMs`. `crypto.subtle.verify` compares in
 * constant time.
 */
export async function verifyDelivery(secret: string, delivery: SignedDelivery, nowMs: number): Promise<void> {
  if (!/^\d{1,12}$/.test(delivery.timestamp)) throw new DormantError("unauthorized", "Webhook-Timestamp must be unix seconds");
  const skew = Math.abs(nowMs / 1000 - Number(delivery.timestamp));
  if (skew > SIGNATURE_TOLERANCE_S) {
    throw new DormantError(
      "unauthorized",
      `Webhook-Timestamp is ${Math.round(skew)} s from now; at most ${SIGNATURE_TOLERANCE_S} s is accepted`,
    );
  }
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const content = encoder.encode(signedContent(delivery.id, delivery.timestamp, delivery.body));
  for (const entry of delivery.signature.split(" ")) {
    const mac = entry.startsWith("v1=") ? hexBytes(entry.slice(3)) : null;
    if (mac && (await crypto.subtle.verify("HMAC", key, mac, content))) return;
  }
  throw new DormantError("unauthorized", "Webhook-Signature does not match this hook's secret");
}
