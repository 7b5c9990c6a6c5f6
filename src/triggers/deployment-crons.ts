import { DormantError, optionalText, requireRecord } from "../protocol/index.ts";

/**
 * The deployment's Cron Triggers, as `[triggers] crons` in wrangler.toml lists them (a test holds
 * the two equal): a five-minute tick sessions may subscribe to, and the nightly housekeeping run.
 */
export const TICK_CRON = "*/5 * * * *";
export const HOUSEKEEPING_CRON = "17 3 * * *";
export const DEPLOYMENT_CRONS = [TICK_CRON, HOUSEKEEPING_CRON] as const;

/** A subscription request: one of the deployment's crons, and what to ask the agent on each tick. */
export function parseSubscription(value: unknown): { cron: string; text: string | null } {
  const body = requireRecord(value, "body");
  if (typeof body.cron !== "string" || !(DEPLOYMENT_CRONS as readonly string[]).includes(body.cron)) {
    throw new DormantError("invalid_request", `"cron" must be one of this deployment's crons: ${DEPLOYMENT_CRONS.join(", ")}`);
  }
  return { cron: body.cron, text: optionalText(body) };
}
