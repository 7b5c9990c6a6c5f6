import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/api/app.ts";
import { DEV_TOKEN_SECRET } from "../../src/config/deployment.ts";
import type { SessionCreated } from "../../src/protocol/index.ts";
import { DEV_HOOK_SECRET } from "../../src/triggers/hook-config.ts";
import { errorOf } from "./helpers.ts";

// The real Worker app under a production-like env: the same bindings, without `.dev.vars`'s
// DORMANT_ENV=development, and with the secrets each case names.
const STRONG_SECRET = "prod-secret-4f9c2a7e1b3d5f6a8c0e2b4d6f8a1c3e";
const production = (vars: Record<string, string | undefined>) =>
  ({
    ...env,
    DORMANT_ENV: undefined,
    SESSION_TOKEN_SECRET: STRONG_SECRET,
    SESSION_CREATE_KEY: "app-key-0123456789abcdef",
    ...vars,
  }) as unknown as Env;
const call = (target: Env, path: string, init: RequestInit = {}) => app.fetch(new Request(`http://dormant.test${path}`, init), target);

afterEach(() => vi.restoreAllMocks());

describe("outside local development, development defaults are refused", () => {
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ["the committed development secret", { SESSION_TOKEN_SECRET: DEV_TOKEN_SECRET }, /development value/],
    ["a short secret", { SESSION_TOKEN_SECRET: "short-secret" }, /shorter than 32/],
    ["no secret", { SESSION_TOKEN_SECRET: undefined }, /SESSION_TOKEN_SECRET is not set/],
    ["an empty create key", { SESSION_CREATE_KEY: "" }, /SESSION_CREATE_KEY is empty/],
  ];
  for (const [what, vars, logged] of cases) {
    it(`${what}: every route answers a typed 500 misconfigured, with one log line`, async () => {
      const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
      const target = production(vars);
      for (const [method, path] of [
        ["GET", "/v1/health"],
        ["POST", "/v1/sessions"],
        ["GET", `/v1/sessions/${"a".repeat(64)}`],
        ["GET", "/nowhere"],
      ]) {
        expect(await errorOf(await call(target, path!, { method: method! })), `${method} ${path}`).toEqual({
          status: 500,
          code: "misconfigured",
        });
      }
      expect(log).toHaveBeenCalledTimes(1);
      expect(String(log.mock.calls[0]![0])).toMatch(logged);
    });
  }

  it("the same settings serve in local development", async () => {
    const dev = {
      ...production({ SESSION_TOKEN_SECRET: DEV_TOKEN_SECRET, SESSION_CREATE_KEY: "" }),
      DORMANT_ENV: "development",
    } as unknown as Env;
    expect((await call(dev, "/v1/health")).status).toBe(200);
    expect((await call(dev, "/v1/sessions", { method: "POST", body: "{}" })).status).toBe(201);
  });
});

describe("create keys, scoped to tenants", () => {
  const target = production({
    SESSION_CREATE_KEY:
      "acme:acme-key-0123456789abcdef, globex:shared-key-0123456789, acme:shared-key-0123456789, any-tenant-key-0123456789",
  });
  const create = (key: string | null, tenant: string) =>
    call(target, "/v1/sessions", {
      method: "POST",
      body: JSON.stringify({ tenant }),
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });

  it("a key creates sessions and mints tokens only for its tenants", async () => {
    expect((await create("acme-key-0123456789abcdef", "acme")).status).toBe(201);
    expect(await errorOf(await create("acme-key-0123456789abcdef", "someone-elses-tenant"))).toEqual({ status: 403, code: "forbidden" });
    expect((await create("shared-key-0123456789", "globex")).status).toBe(201);
    expect((await create("shared-key-0123456789", "acme")).status).toBe(201);
    expect(await errorOf(await create("shared-key-0123456789", "initech"))).toEqual({ status: 403, code: "forbidden" });
    expect((await create("any-tenant-key-0123456789", "initech")).status).toBe(201);
    expect(await errorOf(await create(null, "acme"))).toEqual({ status: 401, code: "unauthorized" });
    expect(await errorOf(await create("wrong-key", "acme"))).toEqual({ status: 401, code: "unauthorized" });

    const acme = (await (await create("acme-key-0123456789abcdef", "acme")).json()) as SessionCreated;
    const mint = (key: string) =>
      call(target, `/v1/sessions/${acme.id}/tokens`, {
        method: "POST",
        body: '{"role":"approver"}',
        headers: { authorization: `Bearer ${key}` },
      });
    expect(await errorOf(await mint("shared-key-0123456789".replace("0", "1")))).toEqual({ status: 401, code: "unauthorized" });
    const globexOnly = production({ SESSION_CREATE_KEY: "globex:globex-key-0123456789" });
    expect(
      await errorOf(
        await call(globexOnly, `/v1/sessions/${acme.id}/tokens`, {
          method: "POST",
          body: '{"role":"approver"}',
          headers: { authorization: "Bearer globex-key-0123456789" },
        }),
      ),
    ).toEqual({ status: 403, code: "forbidden" });
    expect((await mint("acme-key-0123456789abcdef")).status).toBe(201);
    expect(await errorOf(await call(target, `/v1/sessions/${acme.id}/tokens`, { method: "POST", body: '{"role":"approver"}' }))).toEqual({
      status: 401,
      code: "unauthorized",
    });
  });
});

describe("webhooks outside local development", () => {
  it("a hook whose secret is the committed development one, or short, is refused before its body is read; a real one is not", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const post = (vars: Record<string, string | undefined>) =>
      call(production(vars), "/v1/hooks/demo", { method: "POST", body: "{}", headers: { "webhook-id": "d1" } });
    expect(await errorOf(await post({ HOOK_SECRET_DEMO: DEV_HOOK_SECRET }))).toEqual({ status: 500, code: "misconfigured" });
    expect(await errorOf(await post({ HOOK_SECRET_DEMO: "too-short" }))).toEqual({ status: 500, code: "misconfigured" });
    expect(await errorOf(await post({ HOOK_SECRET_DEMO: undefined }))).toEqual({ status: 500, code: "misconfigured" });
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/HOOK_SECRET_DEMO is the committed development value/),
      expect.stringMatching(/HOOK_SECRET_DEMO is missing or shorter than 32/),
      expect.stringMatching(/HOOK_SECRET_DEMO is missing or shorter than 32/),
    ]);
    // With a real secret the same unsigned delivery gets as far as the signature check.
    expect(await errorOf(await post({ HOOK_SECRET_DEMO: STRONG_SECRET }))).toEqual({ status: 401, code: "unauthorized" });
    log.mockRestore();
  });
});
