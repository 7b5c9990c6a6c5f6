import { getAgentByName } from "agents";
import worker from "../src/index.ts";
import type { TriggerEvent } from "../src/protocol/index.ts";
import type { SdkChat } from "./baselines/agents-sdk.ts";
import type { BareEcho, BareInsert } from "./baselines/bare.ts";

// The bench's Worker: the runtime as deployed, plus baseline objects reached under /bench/ (the
// generated bench config binds them; production never sees this module).
export * from "../src/index.ts";
export { SdkChat } from "./baselines/agents-sdk.ts";
export { BareEcho, BareInsert } from "./baselines/bare.ts";

/** One data-only trigger event straight into session `id` (no edge, gate or queue): the session's intake. */
async function intake(env: Env, id: string, request: Request): Promise<Response> {
  const data = await request.text();
  const key = crypto.randomUUID();
  const event: TriggerEvent = {
    v: 1,
    source: "webhook",
    name: "bench",
    session: id,
    tenant: "default",
    key,
    labels: [],
    text: null,
    data,
    acceptedAt: Date.now(),
    order: null,
  };
  const result = await env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(id)).deliverTrigger(event);
  return result.ok ? Response.json(result.value, { status: 201 }) : Response.json(result, { status: 500 });
}

/** The bindings bench/bench-config.ts adds to the project's. */
export type BenchEnv = Env & {
  BARE_ECHO: DurableObjectNamespace<BareEcho>;
  BARE_INSERT: DurableObjectNamespace<BareInsert>;
  SDK_CHAT: DurableObjectNamespace<SdkChat>;
};

/** `/bench/<kind>/<name>`: a baseline object (or the session's intake) doing one unit of work. */
async function baseline(kind: string, name: string, request: Request, env: BenchEnv): Promise<Response | null> {
  switch (kind) {
    case "intake":
      return intake(env, name, request);
    case "append": {
      // The session's work for POST /events, asked over RPC as the API worker asks it, with no API in front.
      const caller = { tenant: "default", role: "device" as const, jti: "bench" };
      const stub = env.AGENT_SESSION.get(env.AGENT_SESSION.idFromString(name));
      const result = await stub.appendEvent(caller, { type: "user.message", text: await request.text() }, null);
      return result.ok ? Response.json(result.value, { status: 201 }) : Response.json(result, { status: 500 });
    }
    case "echo":
      return env.BARE_ECHO.get(env.BARE_ECHO.idFromName(name)).fetch(request);
    case "insert":
      return env.BARE_INSERT.get(env.BARE_INSERT.idFromName(name)).fetch(request);
    case "sdk-state":
      return Response.json({ count: await (await getAgentByName(env.SDK_CHAT, name)).appendState(await request.text()) }, { status: 201 });
    case "sdk-sql":
      return Response.json({ seq: await (await getAgentByName(env.SDK_CHAT, name)).appendSql(await request.text()) }, { status: 201 });
    default:
      return null;
  }
}

export default {
  ...worker,
  async fetch(request, env, ctx) {
    const [, bench, kind, name] = new URL(request.url).pathname.split("/");
    const answer = bench === "bench" && kind && name ? await baseline(kind, name, request, env as BenchEnv) : null;
    return answer ?? worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
