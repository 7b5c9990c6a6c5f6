// `npm start`: the local hosted inference server, then `wrangler dev` pointed at it. Arguments are
// passed on to wrangler (e.g. --port); DORMANT_HOSTED_PORT moves the hosted server (default 8790).
// --test-scheduled: `GET /__scheduled?cron=<cron>` runs a Cron Trigger tick locally.
import { spawn } from "node:child_process";
import { startHostedServer } from "./server.ts";

const hosted = await startHostedServer({ port: Number(process.env.DORMANT_HOSTED_PORT ?? 8790) });
console.log(`hosted inference (OpenAI-compatible) on ${hosted.url} serving ${hosted.model}`);
const wrangler = spawn(
  "npx",
  [
    "wrangler",
    "dev",
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    "--var",
    `LOCAL_INFERENCE_URL:${hosted.url}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
const stop = async (code: number) => {
  wrangler.kill("SIGTERM");
  await hosted.close().catch(() => undefined);
  process.exit(code);
};
wrangler.on("exit", (code) => void stop(code ?? 1));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));
