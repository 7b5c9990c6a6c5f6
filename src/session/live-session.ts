import { isLocalDevelopment } from "../config/deployment.ts";
import { configuredProviders } from "../inference/registry.ts";
import { defaultTools } from "../tools/registry.ts";
import { AgentLoop } from "./agent-loop.ts";
import { Approvals } from "./approvals.ts";
import type { Failpoints } from "./failpoints.ts";
import { type SessionMeta, SessionStore } from "./session-store.ts";
import type { SessionSockets } from "./sockets.ts";

/** A woken session's objects: what every RPC, frame and alarm works on. */
export interface LiveSession {
  store: SessionStore;
  loop: AgentLoop;
  approvals: Approvals;
}

/** Builds the live objects over storage whose meta row says `meta`. Reads nothing itself. */
export function assemble(
  ctx: DurableObjectState,
  env: Env,
  meta: SessionMeta,
  sockets: SessionSockets,
  failpoints: Failpoints,
): LiveSession {
  if (isLocalDevelopment(env) && env.DORMANT_FAILPOINTS) failpoints.armFromSpec(env.DORMANT_FAILPOINTS, meta.tenant);
  const store = new SessionStore(ctx.storage, meta, (entries) => sockets.publish(entries));
  const loop = new AgentLoop(store, defaultTools, sockets, {
    env,
    failpoints,
    hosted: { providers: configuredProviders(env), relay: (frame) => sockets.relay(frame), keepAlive: (work) => ctx.waitUntil(work) },
  });
  return { store, loop, approvals: new Approvals(store, loop.tools) };
}
