// Hosted fallback latency against npm start's stack: from the moment a device reports it cannot
// serve (step.fail device_unavailable) to the first hosted token reaching the session's client,
// against the hosted server's own time to first token for the same conversation, called directly.
import { afterAll, beforeAll, test } from "vitest";
import type { LeaseOffer, ServerFrame, SessionCreated } from "../src/protocol/index.ts";
import { startDevServer, type DevServer } from "../test/node/dev-server.ts";
import { median, printTable } from "./table.ts";

const PROMPT = "hello";
const BLOCKS = 5;
const RUNS_PER_BLOCK = 4;

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer(90_000, { prebuilt: true });
});
afterAll(async () => server?.stop());


/** Time to the first streamed content chunk of a direct chat-completions call. */
async function directFirstToken(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.hostedUrl}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ messages: [{ role: "user", content: PROMPT }], stream: true, max_tokens: 128 }),
  });
  const reader = response.body!.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stream ended without content");
    text += new TextDecoder().decode(value);
    if (text.includes('"content"')) break;
  }
  const ms = performance.now() - started;
  await reader.cancel();
  return ms;
}

/** A fresh session (policy allow), a device that fails its first lease; time from that failure to the first hosted delta. */
async function fallbackFirstToken(): Promise<number> {
  const created = (await (await fetch(`${server.url}/v1/sessions`, { method: "POST", body: JSON.stringify({ policy: { hosted: "allow", providers: ["local"] } }) })).json()) as SessionCreated;
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/v1/sessions/${created.id}/ws?token=${encodeURIComponent(created.token)}`);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", reject);
  });
  let failedAt = 0;
  const firstDelta = new Promise<number>((resolve) => {
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      if (frame.type === "lease.offer") {
        const offer = frame as LeaseOffer;
        failedAt = performance.now();
        socket.send(JSON.stringify({ type: "step.fail", opKey: offer.opKey, leaseId: offer.leaseId, code: "device_unavailable", message: "bench", retryable: false, reason: "device_lost" }));
      } else if (frame.type === "step.delta" && failedAt > 0) {
        resolve(performance.now() - failedAt);
      }
    });
  });
  socket.send(JSON.stringify({ type: "hello", role: "device", device: "bench" }));
  socket.send(JSON.stringify({ type: "user.message", text: PROMPT }));
  const ms = await firstDelta;
  socket.close();
  return ms;
}

test("device failure → first hosted token, vs the hosted server's own time to first token", async () => {
  await directFirstToken();
  await fallbackFirstToken(); // warm both paths (session object code, model kernels)
  const direct: number[] = [];
  const fallback: number[] = [];
  for (let block = 0; block < BLOCKS; block++) {
    for (let i = 0; i < RUNS_PER_BLOCK; i++) direct.push(await directFirstToken());
    for (let i = 0; i < RUNS_PER_BLOCK; i++) fallback.push(await fallbackFirstToken());
  }
  console.log(`direct TTFT ms: ${direct.map((v) => v.toFixed(1)).join(" ")}\nfallback ms: ${fallback.map((v) => v.toFixed(1)).join(" ")}`);
  printTable("Hosted fallback (wrangler dev + local hosted server, loopback)", "direct", "fallback", [
    { name: "time to first hosted token (median)", unit: "ms", baseline: median(direct), measured: median(fallback), target: "≤ 1.2" },
  ]);
});
