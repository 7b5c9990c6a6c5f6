import { expect } from "vitest";
import { ScriptedClient, type TestSession, toolCall, waitFor } from "./helpers.ts";

export const EMAIL_ARGS = { to: "ops@example.com", subject: "Deploy", body: "Deploying now." };

/** Drives a session to a parked send_email approval; returns the device and the tool's op key. */
export async function parkOnEmailApproval(session: TestSession): Promise<{ device: ScriptedClient; opKey: string; expiresAt: number }> {
  const device = await ScriptedClient.connect(session);
  expect((await session.post("/events", { type: "user.message", text: "tell ops we deploy" })).status).toBe(201);
  const offer = await device.nextOffer();
  device.complete(offer, toolCall("send_email", EMAIL_ARGS));
  const requested = await waitFor(async () => (await session.journal()).find((e) => e.type === "approval.requested"), "approval.requested");
  return { device, opKey: requested.opKey!, expiresAt: (requested.payload as { expiresAt: number }).expiresAt };
}
