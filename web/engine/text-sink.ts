import { BaseStreamer } from "@huggingface/transformers";

interface Decoder {
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

/**
 * Streams generated text as tokens arrive (a transformers.js streamer); the first `put` is the
 * prompt and is skipped. Only ids not yet shown are decoded, held back while they end inside a
 * multi-byte character. Shared by the browser engine and the local hosted server.
 *
 * With `coalesceMs`, text after the first token is handed on at most once per interval (and the
 * rest at `end`): every event costs a postMessage, a page update and a WebSocket frame, and on a
 * small device those compete with decoding for the same cores. The first token always goes at
 * once, so time to first token is unchanged.
 */
export class TextSink extends BaseStreamer {
  private pending: number[] = [];
  private unsent = "";
  private promptSeen = false;
  private sentAt = 0;
  private readonly tokenizer: Decoder;
  private readonly onText: (text: string) => void;
  private readonly coalesceMs: number;
  firstTokenAt = 0;

  // Plain fields, no parameter properties: Node runs this file with type stripping only.
  constructor(tokenizer: Decoder, onText: (text: string) => void, coalesceMs = 0) {
    super();
    this.tokenizer = tokenizer;
    this.onText = onText;
    this.coalesceMs = coalesceMs;
  }

  override put(value: bigint[][]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      return;
    }
    const now = performance.now();
    if (this.firstTokenAt === 0) this.firstTokenAt = now;
    this.pending.push(...(value[0] ?? []).map(Number));
    const text = this.tokenizer.decode(this.pending, { skip_special_tokens: false });
    if (text.endsWith("\uFFFD")) return;
    this.pending = [];
    this.unsent += text;
    if (this.sentAt === 0 || now - this.sentAt >= this.coalesceMs) this.send(now);
  }

  override end(): void {
    if (this.unsent) this.send(performance.now());
  }

  private send(now: number): void {
    const text = this.unsent;
    this.unsent = "";
    this.sentAt = now;
    this.onText(text);
  }
}
