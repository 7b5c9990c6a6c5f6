// The engine worker with ORT's WASM-only build (web/build.ts aliases it in): half the bytes of the
// WebGPU-capable build, whole in one file so the browser keeps its compiled code (decisions/0014).
import { serveEngine } from "./engine-host.ts";

serveEngine({ manifest: "/ort/runtime-wasm.json", backends: ["wasm"] });
