import { Hono } from "hono";
import { PROTOCOL_VERSION, RUNTIME_VERSION } from "../protocol/index.ts";
import { type AppEnv, requireDeployment } from "./auth.ts";
import { dev } from "./dev.ts";
import { errorResponse, notFound } from "./errors.ts";
import { sessions } from "./sessions.ts";

export const app = new Hono<AppEnv>();

app.use("*", requireDeployment);
app.get("/v1/health", (c) => c.json({ ok: true, runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION }));
app.route("/v1/sessions", sessions);
app.route("/v1/dev", dev);
app.notFound(notFound);
app.onError(errorResponse);
