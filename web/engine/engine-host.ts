import { ClientError } from "../errors.ts";
import type { EngineEvent, EngineRequest } from "./messages.ts";
import type { RuntimeBuild } from "./pins.ts";
import { WorkerEngine } from "./worker-engine.ts";

interface WorkerScope {
  postMessage(message: EngineEvent): void;
  addEventListener(type: "message", listener: (event: MessageEvent<EngineRequest>) => void): void;
}

/**
 * The engine's Web Worker (inference never runs on the page's thread), for one ORT build: each
 * worker entry (worker.ts, worker-wasm.ts) is bundled with its own build of ORT.
 */
export function serveEngine(runtime: RuntimeBuild): void {
  const scope = self as unknown as WorkerScope;
  const post = (event: EngineEvent) => scope.postMessage(event);
  let engine: WorkerEngine | null = null;

  const configured = (): WorkerEngine => {
    if (!engine) throw new ClientError("engine_unloaded", "the engine has not been configured");
    return engine;
  };

  const handle = async (request: EngineRequest): Promise<unknown> => {
    switch (request.type) {
      case "configure":
        engine = new WorkerEngine(
          runtime.backends.includes("webgpu") ? request.options : { ...request.options, device: "wasm" },
          {
            cache: (event) => post({ type: "cache", event }),
            state: (state) => post({ type: "state", state }),
            ladder: (from, to, reason) => post({ type: "ladder", from, to, reason }),
          },
          runtime,
        );
        return null;
      case "load":
        return configured().load(request.download ? "chosen" : "page");
      case "generate":
        return configured().generate(request, (text) => post({ type: "token", id: request.id, text }));
      case "unload":
        return configured().unload();
      case "cache.status":
        return configured().isCached();
      case "cache.delete":
        return configured().deleteCache();
      case "fault":
        return configured().injectFault(request.fault);
    }
  };

  // Requests run one at a time, in order: a load and a generate never race for the model.
  let queue: Promise<void> = Promise.resolve();
  scope.addEventListener("message", ({ data: request }) => {
    queue = queue.then(async () => {
      try {
        post({ type: "reply", id: request.id, ok: true, value: (await handle(request)) ?? null });
      } catch (error) {
        const typed =
          error instanceof ClientError
            ? error
            : new ClientError("generation_failed", error instanceof Error ? error.message : String(error));
        post({ type: "reply", id: request.id, ok: false, error: typed.toJSON() });
      }
    });
  });
}
