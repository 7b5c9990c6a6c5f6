import { BaseStreamer } from "@huggingface/transformers";

interface Decoder {
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

/**
 * Streams generated text as tokens arrive (a transformers.js streamer); the first `put` is the
 * prompt and is skipped. Only ids not yet shown are decoded, held back while they end inside a
 * multi-byte character. Shared by the browser engine and the local hosted server.
 */
export class TextSink extends BaseStreamer {
  private pending: number[] = [];
  private promptSeen = false;
  private readonly tokenizer: Decoder;
  private readonly onText: (text: string) => void;
  firstTokenAt = 0;

  // Plain fields, no parameter properties: Node runs this file with type stripping only.
  constructor(tokenizer: Decoder, onText: (text: string) => void) {
    super();
    this.tokenizer = tokenizer;
    this.onText = onText;
  }

  override put(value: bigint[][]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      return;
    }
    if (this.firstTokenAt === 0) this.firstTokenAt = performance.now();
    this.pending.push(...(value[0] ?? []).map(Number));
    const text = this.tokenizer.decode(this.pending, { skip_special_tokens: false });
    if (text.endsWith("\uFFFD")) return;
    this.pending = [];
    this.onText(text);
  }

  override end(): void {}
}
