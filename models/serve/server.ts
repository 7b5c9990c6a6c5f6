// The local hosted default: an OpenAI-compatible chat-completions server on loopback serving our
// shipped model, so hosted fallback works with no account and no network.
// Run: node models/serve/server.ts [--port 8790]   (npm start runs it next to wrangler dev)
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fromOpenAIMessages, fromOpenAITools } from "../../src/inference/openai-format.ts";
import { CHAT_TOKENS, DormantError, isRecord, parseAssistantOutput } from "../../src/protocol/index.ts";
import { HostedModel } from "./hosted-model.ts";

const MAX_BODY = 256 * 1024;
const MAX_TOKENS = 256;

/** Chaos levers (tests, drills): fail the next N chat requests with 503, or hold each one back. */
export interface Faults {
  failNext: number;
  delayMs: number;
}

/** One line per chat request, so tests can prove what did (and did not) reach the server. */
export interface RequestLogEntry {
  at: number;
  stream: boolean;
  messages: number;
}

export interface HostedServer {
  url: string;
  model: string;
  requests: RequestLogEntry[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { message, type: status < 500 ? "invalid_request_error" : "server_error", code } });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new DormantError("payload_too_large", `body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new DormantError("invalid_json", "body is not valid JSON");
  }
}

/** Splits the model's raw output into an OpenAI answer: streamed text, or one tool call at the end. */
async function complete(
  model: HostedModel,
  req: IncomingMessage,
  res: ServerResponse,
  log: RequestLogEntry[],
  faults: Faults,
): Promise<void> {
  const body = await readBody(req);
  if (!isRecord(body)) throw new DormantError("invalid_request", "body must be a JSON object");
  const messages = fromOpenAIMessages(body.messages);
  const maxTokens = body.max_tokens ?? 128;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_TOKENS) {
    throw new DormantError("invalid_request", `"max_tokens" must be an integer in [1, ${MAX_TOKENS}]`);
  }
  const stream = body.stream === true;
  log.push({ at: Date.now(), stream, messages: messages.length });
  if (faults.failNext > 0) {
    faults.failNext--;
    return fail(res, 503, "overloaded", "injected failure (POST /v1/faults)");
  }
  if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: model.pin, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  if (stream) {
    // Headers go out now, as hosted APIs send them: the caller's fetch settles during prefill
    // instead of with the first token.
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.flushHeaders();
  }
  let streamed = "";
  let shown = 0;
  // The session's tool specs: a tool call can only come out valid (the engine's constrained decoder).
  const tools = fromOpenAITools(body.tools);
  const raw = await model.generate(messages, maxTokens, tools, (piece) => {
    streamed += piece;
    if (!stream || streamed.trimStart().startsWith(CHAT_TOKENS.call)) return; // Tool calls go out whole.
    const end = streamed.indexOf(CHAT_TOKENS.end);
    const visible = end === -1 ? streamed : streamed.slice(0, end);
    if (visible.length > shown) res.write(chunk({ content: visible.slice(shown) }, null));
    shown = visible.length;
  });
  let output: ReturnType<typeof parseAssistantOutput> | null = null;
  try {
    output = parseAssistantOutput(raw);
  } catch {
    // Malformed: passed on as text, so the session's own parser rejects it and retries the step.
  }
  const toolCall =
    output?.kind === "tool_call"
      ? { index: 0, id: "call_0", type: "function", function: { name: output.call.name, arguments: JSON.stringify(output.call.args) } }
      : null;
  const text = output?.kind === "text" ? output.text : raw.split(CHAT_TOKENS.end)[0]!;
  if (!stream) {
    const message = toolCall ? { role: "assistant", content: null, tool_calls: [toolCall] } : { role: "assistant", content: text };
    return json(res, 200, {
      id,
      object: "chat.completion",
      created,
      model: model.pin,
      choices: [{ index: 0, message, finish_reason: toolCall ? "tool_calls" : "stop" }],
    });
  }
  if (toolCall) res.write(chunk({ role: "assistant", tool_calls: [toolCall] }, null));
  else if (shown === 0) res.write(chunk({ content: text }, null));
  res.write(chunk({}, toolCall ? "tool_calls" : "stop"));
  res.end("data: [DONE]\n\n");
}

export async function startHostedServer(options: { port?: number; host?: string } = {}): Promise<HostedServer> {
  const model = await HostedModel.load();
  const requests: RequestLogEntry[] = [];
  const faults: Faults = { failNext: 0, delayMs: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = `${req.method} ${path}`;
    const handle = async () => {
      if (route === "GET /v1/health") return json(res, 200, { ok: true, model: model.pin });
      if (route === "GET /v1/models")
        return json(res, 200, { object: "list", data: [{ id: model.pin, object: "model", owned_by: "dormant" }] });
      if (route === "GET /v1/requests") return json(res, 200, { requests });
      if (route === "POST /v1/chat/completions") return complete(model, req, res, requests, faults);
      if (route === "POST /v1/faults") {
        const body = await readBody(req);
        if (!isRecord(body)) throw new DormantError("invalid_request", "body must be a JSON object");
        for (const key of ["failNext", "delayMs"] as const) {
          const value = body[key] ?? 0;
          if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 600_000)
            throw new DormantError("invalid_request", `"${key}" must be a non-negative integer`);
          faults[key] = value;
        }
        return json(res, 200, faults);
      }
      fail(res, 404, "not_found", `no route for ${route}`);
    };
    handle().catch((error: unknown) => {
      if (res.headersSent) return res.destroy(error instanceof Error ? error : undefined);
      if (error instanceof DormantError) return fail(res, error.status, error.code, error.message);
      fail(res, 500, "internal", error instanceof Error ? error.message : String(error));
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8790, host, resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/v1`,
    model: model.pin,
    requests,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await model.dispose();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8790" } } });
  const hosted = await startHostedServer({ port: Number(values.port) });
  console.log(`hosted inference (OpenAI-compatible) ${hosted.url} serving ${hosted.model}`);
}
