import type { SessionCreated } from "../../src/protocol/index.ts";
// Types only from files without DOM globals: web/'s runtime files need the DOM lib to type-check.
import type { EngineEvent, EngineState } from "../../web/engine/messages.ts";

/**
 * The browser globals that code inside `page.evaluate` touches. Test and bench files type-check
 * with Node and Workers types, not the DOM's, so they cast `globalThis` to this instead.
 */
export interface PageGlobals {
  dormant: {
    session: SessionCreated;
    engineEvents: EngineEvent[];
    clientEvents: { type: string; status?: string }[];
    client: {
      status: string;
      lastSeq: number;
      outbox: unknown[];
      transcript: { messages: { seq: number; role: string; origin: { kind: string; backend?: string | null } | null }[] };
    };
    engine: {
      state: EngineState;
      load(): Promise<unknown>;
      unload(): Promise<void>;
      isCached(): Promise<boolean>;
      injectFault(fault: "device_lost" | "oom" | "garbled_logits"): Promise<void>;
      generate(
        messages: unknown,
        options: { maxNewTokens: number; tools?: unknown[] },
      ): Promise<{ text: string; tokens: number; decodeMs: number; wasmHeapBytes: number | null }>;
    };
  };
  crossOriginIsolated: boolean;
  navigator: {
    storage: { persisted(): Promise<boolean>; estimate(): Promise<{ usage?: number; quota?: number; usageDetails?: { caches?: number } }> };
  };
  document: {
    body: { hidden: boolean };
    activeElement: { textContent: string | null } | null;
    querySelector(selector: string): { textContent: string | null } | null;
  };
  caches: {
    open(name: string): Promise<{
      keys(): Promise<{ url: string }[]>;
      match(request: { url: string }): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; headers: Headers } | undefined>;
      put(request: { url: string }, response: Response): Promise<void>;
    }>;
    keys(): Promise<string[]>;
    delete(name: string): Promise<boolean>;
  };
  Worker: new (
    url: string,
    options: { type: "module"; name?: string },
  ) => {
    onmessage: ((event: { data: unknown }) => void) | null;
    postMessage(message: unknown): void;
    terminate(): void;
  };
}
