import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { SessionCreated } from "../../src/protocol/index.ts";
import { useDemoStack } from "./chromium.ts";

// Real Chromium on two other origins: the one .dev.vars lists for the local example app
// (http://127.0.0.1:8788) and an unlisted one. The browser, not our code, enforces the answers.
const stack = useDemoStack();
const LISTED_PORT = 8788;

/** A blank page on its own origin: an app that is not us. */
function appOrigin(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>"));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

let listed: Server;
let unlisted: Server;
beforeAll(async () => {
  listed = await appOrigin(LISTED_PORT);
  unlisted = await appOrigin(0);
});
afterAll(() => {
  listed.close();
  unlisted.close();
});

/** From the page: create a session over fetch (CORS), and open the session's socket with `token`. */
function tryFromPage(page: Page, api: string, session: SessionCreated) {
  return page.evaluate(
    async ({ api, session }) => {
      const created = await fetch(`${api}/v1/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
        .then((r) => `HTTP ${r.status}`)
        .catch((error: Error) => `refused: ${error.name}`);
      const socket = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${api.replace(/^http/, "ws")}/v1/sessions/${session.id}/ws?token=${encodeURIComponent(session.token)}`);
        ws.addEventListener("open", () => {
          ws.close();
          resolve("open");
        });
        ws.addEventListener("error", () => resolve("refused"));
      });
      return { created, socket };
    },
    { api, session },
  );
}

test("a listed app's page may create sessions and open sockets; an unlisted one is refused both", async () => {
  const api = stack.server.url;
  const session = (await (await fetch(`${api}/v1/sessions`, { method: "POST", body: "{}" })).json()) as SessionCreated;
  const context = await stack.browser.newContext();
  const page = await context.newPage();

  await page.goto(`http://127.0.0.1:${LISTED_PORT}/`);
  expect(await tryFromPage(page, api, session)).toEqual({ created: "HTTP 201", socket: "open" });

  await page.goto(`http://127.0.0.1:${(unlisted.address() as AddressInfo).port}/`);
  expect(await tryFromPage(page, api, session)).toEqual({ created: "refused: TypeError", socket: "refused" });
  await context.close();
});
