import { isLocalDevelopment, MIN_SECRET_CHARS } from "../config/deployment.ts";
import { jsonVar } from "../config/json-var.ts";
import { DormantError, isRecord, LABEL_PATTERN, SESSION_ID_PATTERN, TENANT_PATTERN } from "../protocol/index.ts";

/** The secret `.dev.vars` gives the demo hook; outside development a hook signed with it is refused. */
export const DEV_HOOK_SECRET = "dev-only-hook-secret-change-me-0123456789";

export const HOOK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** One webhook: whose it is, where its events go, what they are labelled. */
export interface HookConfig {
  name: string;
  tenant: string;
  /** A fixed target session, or null: the body's `sessionField` names it. */
  session: string | null;
  sessionField: string;
  labels: string[];
  secret: string;
}

/** Where a hook's secret lives: `HOOK_SECRET_<NAME>` (upper case, `-` as `_`), set with `wrangler secret put`. */
export function secretName(hook: string): string {
  return `HOOK_SECRET_${hook.toUpperCase().replaceAll("-", "_")}`;
}

/** The reason goes to the operator's log; a caller (anyone on the internet) learns only that it is misconfigured. */
function fail(reason: string): DormantError {
  console.error(`dormant: webhook misconfigured: ${reason}`);
  return new DormantError("misconfigured", "this webhook is misconfigured; its operator's log says why");
}

/**
 * `HOOKS`: JSON `{"<name>": {"tenant": "acme", "session"?: "<id>", "sessionField"?: "session",
 * "labels"?: ["external"]}}`. Throws `not_found` for a hook that is not configured and
 * `misconfigured` for one whose entry or secret is unusable.
 */
export function hookConfig(env: Env, name: string): HookConfig {
  let hooks: Record<string, unknown> | null;
  try {
    hooks = jsonVar("HOOKS", env.HOOKS);
  } catch (error) {
    throw fail((error as Error).message);
  }
  const entry = hooks && HOOK_NAME_PATTERN.test(name) ? hooks[name] : undefined;
  if (entry === undefined) throw new DormantError("not_found", `no webhook named "${name.slice(0, 40)}"`);
  if (!isRecord(entry) || typeof entry.tenant !== "string" || !TENANT_PATTERN.test(entry.tenant))
    throw fail(`HOOKS["${name}"].tenant is missing`);
  const session = entry.session ?? null;
  if (session !== null && (typeof session !== "string" || !SESSION_ID_PATTERN.test(session)))
    throw fail(`HOOKS["${name}"].session is no session id`);
  const labels = entry.labels ?? [];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string" && LABEL_PATTERN.test(l)))
    throw fail(`HOOKS["${name}"].labels are invalid`);
  const sessionField = typeof entry.sessionField === "string" ? entry.sessionField : "session";
  const secret = (env as unknown as Record<string, unknown>)[secretName(name)];
  if (typeof secret !== "string" || secret.length < MIN_SECRET_CHARS)
    throw fail(`${secretName(name)} is missing or shorter than ${MIN_SECRET_CHARS} characters`);
  if (secret === DEV_HOOK_SECRET && !isLocalDevelopment(env)) throw fail(`${secretName(name)} is the committed development value`);
  return { name, tenant: entry.tenant, session, sessionField, labels: labels as string[], secret };
}
