import type { Mailbox } from "../mailbox/mailbox.ts";
import { stringArg, type Tool, type ToolContext, ToolError } from "./tool.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function mailbox(ctx: ToolContext): DurableObjectStub<Mailbox> {
  return ctx.env.MAILBOX.get(ctx.env.MAILBOX.idFromName(ctx.tenant));
}

/**
 * Sends an email through the tenant's mail provider (the local Mailbox by default). An external
 * effect: it needs approval, and after a crash its status query decides instead of a blind resend.
 */
export const sendEmail: Tool = {
  maxDurationMs: 10_000,
  spec: {
    name: "send_email",
    description: "Send an email",
    effect: "external",
    requiresApproval: true,
    args: { to: "string", subject: "string", body: "string" },
    fromRequest: ["to", "subject", "body"],
  },
  // An address as people write one: ending in a domain, so "bob@example.com:" reads as bob@example.com.
  reads: { to: (span) => (span.length <= 254 && /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i.test(span) ? span : null) },
  parseArgs: (args) => {
    const to = stringArg(args, "to", 254);
    if (!EMAIL.test(to)) throw new ToolError("invalid_tool_args", `"${to}" is not an email address`);
    return { to, subject: stringArg(args, "subject", 200), body: stringArg(args, "body", 10_000) };
  },
  execute: async (args, ctx) => {
    const sent = await mailbox(ctx).send(ctx.idempotencyKey, {
      to: String(args.to),
      subject: String(args.subject),
      body: String(args.body),
    });
    return { sent: true, messageId: sent.messageId };
  },
  status: async (_args, ctx) => {
    const found = await mailbox(ctx).status(ctx.idempotencyKey);
    return found ? { state: "committed", result: { sent: true, messageId: found.messageId } } : { state: "not_found" };
  },
};
