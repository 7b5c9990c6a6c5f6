import { TENANT_PATTERN } from "../protocol/index.ts";

/**
 * The token secret committed in `.dev.vars` for local development. A deployment that runs with it
 * would accept tokens anyone with the repository can mint, so outside development it is refused.
 */
export const DEV_TOKEN_SECRET = "dev-only-secret-change-me-in-production-0123456789";
export const MIN_SECRET_CHARS = 32;

export type DeploymentEnv = Pick<Env, "SESSION_TOKEN_SECRET" | "SESSION_CREATE_KEY"> & { DORMANT_ENV?: string };

/**
 * Local development is declared, never guessed: `DORMANT_ENV=development` comes from `.dev.vars`,
 * which `wrangler dev` and the test pool read and `wrangler deploy` never uploads (decisions/0007).
 */
export function isLocalDevelopment(env: { DORMANT_ENV?: string }): boolean {
  return env.DORMANT_ENV === "development";
}

/** Why this deployment must not serve, in words for its operator's log; empty when it may. */
export function deploymentProblems(env: DeploymentEnv): string[] {
  const problems: string[] = [];
  const secret = env.SESSION_TOKEN_SECRET;
  if (!secret) problems.push("SESSION_TOKEN_SECRET is not set");
  else if (secret.length < MIN_SECRET_CHARS) problems.push(`SESSION_TOKEN_SECRET is shorter than ${MIN_SECRET_CHARS} characters`);
  if (isLocalDevelopment(env)) return problems;
  if (secret === DEV_TOKEN_SECRET)
    problems.push("SESSION_TOKEN_SECRET is the committed development value (wrangler secret put SESSION_TOKEN_SECRET)");
  if (!env.SESSION_CREATE_KEY?.trim())
    problems.push("SESSION_CREATE_KEY is empty: anyone could create sessions (wrangler secret put SESSION_CREATE_KEY)");
  return problems;
}

/** One app key and the tenants it may act for (`*`: any). */
export interface CreateKey {
  key: string;
  tenants: "*" | string[];
}

/**
 * `SESSION_CREATE_KEY`: comma-separated entries, each `KEY` (any tenant) or `TENANT:KEY` (that
 * tenant only; list a key once per tenant it serves). Keys contain neither `,` nor `:`.
 */
export function parseCreateKeys(value: string): CreateKey[] {
  const byKey = new Map<string, CreateKey>();
  for (const entry of value
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(":");
    const tenant = at > 0 && TENANT_PATTERN.test(entry.slice(0, at)) ? entry.slice(0, at) : null;
    const key = tenant === null ? entry : entry.slice(at + 1);
    const known = byKey.get(key) ?? { key, tenants: [] };
    if (tenant === null) known.tenants = "*";
    else if (known.tenants !== "*") known.tenants.push(tenant);
    byKey.set(key, known);
  }
  return [...byKey.values()];
}
