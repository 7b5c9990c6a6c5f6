import { SESSION_ID_PATTERN } from "../protocol/index.ts";

/** The Durable Object id `raw` names in the session namespace, or null when it names none. */
export function sessionObjectId(sessions: DurableObjectNamespace, raw: string | undefined): DurableObjectId | null {
  if (!raw || !SESSION_ID_PATTERN.test(raw)) return null;
  try {
    return sessions.idFromString(raw);
  } catch {
    // The pattern admits strings that are no Durable Object id of this namespace: those throw here.
    return null;
  }
}
