import { InferenceError } from "./provider.ts";

/** The `data:` payloads of a server-sent-events stream, JSON-parsed; stops at `[DONE]`. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += value;
      for (let boundary = buffer.search(/\r?\n\r?\n/); boundary !== -1; boundary = buffer.search(/\r?\n\r?\n/)) {
        const event = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
        if (data === "") continue;
        if (data === "[DONE]") return;
        try {
          yield JSON.parse(data) as unknown;
        } catch {
          throw new InferenceError("provider_failed", `provider sent a malformed stream event: ${data.slice(0, 120)}`, false);
        }
      }
      if (done) return;
    }
  } finally {
    // Stops the upstream body when we return early (at [DONE] or on an error).
    await reader.cancel().catch(() => undefined);
  }
}
