import { Hono } from "hono";
import { PROTOCOL_VERSION, RUNTIME_VERSION } from "../protocol/index.ts";
import { deadLetterRoutes } from "../triggers/dead-letter-routes.ts";
import { hooks } from "../triggers/hooks.ts";
import { type AppEnv, requireDeployment } from "./auth.ts";
import { dev } from "./dev.ts";
import { errorResponse, notFound } from "./errors.ts";
import { corsForListedOrigins } from "./origins.ts";
import { sessions } from "./sessions.ts";

export const app = new Hono<AppEnv>();

// First, so that refusals (a misconfigured deployment, a typed error) reach a listed app's page too.
app.use("/v1/*", corsForListedOrigins);
app.use("*", requireDeployment);
app.get("/v1/health", (c) => c.json({ ok: true, runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION }));
app.route("/v1/sessions", sessions);
app.route("/v1/hooks", hooks);
app.route("/v1/dead-letters", deadLetterRoutes);
app.route("/v1/dev", dev);
app.notFound(notFound);
app.onError(errorResponse);
