import { Hono } from "hono";
import { PROTOCOL_VERSION, RUNTIME_VERSION } from "../protocol";
import { requireDeployment, type AppEnv } from "./auth";
import { dev } from "./dev";
import { errorResponse, notFound } from "./errors";
import { sessions } from "./sessions";

export const app = new Hono<AppEnv>();

app.use("*", requireDeployment);
app.get("/v1/health", (c) => c.json({ ok: true, runtime: RUNTIME_VERSION, protocol: PROTOCOL_VERSION }));
app.route("/v1/sessions", sessions);
app.route("/v1/dev", dev);
app.notFound(notFound);
app.onError(errorResponse);
