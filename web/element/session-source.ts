import { ClientError } from "../errors.ts";

/** What the element needs to join a session: its id and a session capability token. */
export interface SessionCredentials {
  id: string;
  token: string;
}

/** What the element asks for: the `hosted` policy the app set on it. */
export interface SessionRequest {
  hosted: "never" | "ask" | "allow";
}

/**
 * Gets credentials from the app, never from dormant directly: the app's backend holds the create
 * key, creates (or reuses) the session and hands the browser only the session token.
 */
export type TokenProvider = (request: SessionRequest) => Promise<SessionCredentials>;

/** A provider that POSTs the request as JSON to an endpoint of the app's own backend. */
export function endpointProvider(endpoint: string): TokenProvider {
  return async (request) => {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      credentials: "same-origin",
    });
    if (!response.ok) throw new ClientError("no_session", `the app's token endpoint answered HTTP ${response.status}`);
    const body = (await response.json()) as Partial<SessionCredentials>;
    if (typeof body.id !== "string" || typeof body.token !== "string")
      throw new ClientError("no_session", "the app's token endpoint did not return { id, token }");
    return { id: body.id, token: body.token };
  };
}
