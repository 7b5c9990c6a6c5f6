import { describe, expect, it } from "vitest";
import { api, createSession, errorOf } from "./helpers.ts";

// Which apps' pages may call the API: the API's own origin and those in ALLOWED_ORIGINS (.dev.vars
// lists the local example app's, http://127.0.0.1:8788). Browsers enforce CORS on the answers; the
// socket upgrade, which CORS does not cover, is refused by the worker itself.
const LISTED = "http://127.0.0.1:8788";
const UNLISTED = "http://evil.example";

const preflight = (origin: string) =>
  api("/v1/sessions", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });

describe("cross-origin pages", () => {
  it("a listed origin's preflight is allowed with the headers the SDK sends; an unlisted one gets no allowance", async () => {
    const listed = await preflight(LISTED);
    expect(listed.status).toBe(204);
    expect(listed.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(listed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(listed.headers.get("access-control-allow-methods")).toContain("POST");

    const unlisted = await preflight(UNLISTED);
    expect(unlisted.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers, errors included, carry the allowance for a listed page only", async () => {
    const s = await createSession();
    const ok = await api(`/v1/sessions/${s.id}`, { token: s.token, headers: { origin: LISTED } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(LISTED);
    const refused = await api(`/v1/sessions/${s.id}`, { headers: { origin: LISTED } });
    expect(await errorOf(refused)).toEqual({ status: 401, code: "unauthorized" });
    expect(refused.headers.get("access-control-allow-origin")).toBe(LISTED);
    const elsewhere = await api(`/v1/sessions/${s.id}`, { token: s.token, headers: { origin: UNLISTED } });
    expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a socket upgrade from an unlisted page is refused even with a valid token; listed, same-origin and non-browser ones open", async () => {
    const s = await createSession();
    const upgrade = (origin?: string) =>
      api(`/v1/sessions/${s.id}/ws?token=${encodeURIComponent(s.token)}`, {
        headers: { upgrade: "websocket", ...(origin ? { origin } : {}) },
      });
    const refused = await upgrade(UNLISTED);
    expect(await errorOf(refused)).toEqual({ status: 403, code: "forbidden" });
    for (const origin of [LISTED, "http://dormant.test", undefined]) {
      const opened = await upgrade(origin);
      expect(opened.status, String(origin)).toBe(101);
      opened.webSocket!.accept();
      opened.webSocket!.close(1000, "done");
    }
  });
});
