// The example app's own tiny backend: serves its page, its script (types stripped by Node) and the
// installed @dormant/web files, and creates dormant sessions with the app's key, which never
// reaches the browser. `npm start`; configure with DORMANT_API, DORMANT_CREATE_KEY, PORT, ISOLATED=1.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { stripTypeScriptTypes } from "node:module";
import { join, normalize } from "node:path";

const HERE = import.meta.dirname;
const PACKAGE = join(HERE, "node_modules", "@dormant", "web", "lib");
const api = process.env.DORMANT_API ?? "http://127.0.0.1:8787";
const createKey = process.env.DORMANT_CREATE_KEY ?? "";
const port = Number(process.env.PORT ?? 8788);
// A cross-origin isolated page (threads possible) or a plain one (`?isolated` asks per page): the
// element works in both.
const isolatedAlways = process.env.ISOLATED === "1";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".ts": "text/javascript" };

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/** POST /api/dormant-session: the app decides who may chat (here: anyone) and with which policy. */
async function createSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const asked = JSON.parse((await readBody(req)) || "{}") as { hosted?: string };
  const hosted = ["never", "ask", "allow"].includes(asked.hosted ?? "") ? asked.hosted : "ask";
  const response = await fetch(`${api}/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(createKey ? { authorization: `Bearer ${createKey}` } : {}) },
    body: JSON.stringify({ policy: { hosted }, selfApproval: true }),
  });
  const created = (await response.json()) as { id?: string; token?: string };
  res.writeHead(response.ok ? 200 : 502, { "content-type": "application/json" });
  res.end(JSON.stringify(response.ok ? { id: created.id, token: created.token } : { error: created }));
}

async function serveFile(path: string, isolated: boolean, res: ServerResponse): Promise<void> {
  const file =
    path === "/"
      ? join(HERE, "index.html")
      : path === "/main.js"
        ? join(HERE, "main.ts")
        : join(PACKAGE, normalize(path.slice("/vendor/@dormant/web/".length)));
  if (!file.startsWith(HERE)) return void res.writeHead(404).end();
  let text = await readFile(file, "utf8").catch(() => null);
  if (text === null) return void res.writeHead(404).end();
  if (file.endsWith(".ts")) text = stripTypeScriptTypes(text);
  if (file.endsWith(".html")) text = text.replace("%DORMANT_API%", api);
  const type = TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
  res.writeHead(200, {
    "content-type": type,
    ...(isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {}),
  });
  res.end(text);
}

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://app");
  const isolated = isolatedAlways || url.searchParams.has("isolated");
  const handled =
    req.method === "POST" && url.pathname === "/api/dormant-session" ? createSession(req, res) : serveFile(url.pathname, isolated, res);
  handled.catch((error: Error) => res.writeHead(500).end(error.message));
}).listen(port, "127.0.0.1", () =>
  console.log(`example app on http://127.0.0.1:${port} (dormant API ${api}${isolatedAlways ? ", isolated" : ""})`),
);
