// The engine worker with ORT's WebGPU-capable build (it also runs WASM): for devices that may use WebGPU.
import { serveEngine } from "./engine-host.ts";

serveEngine({ manifest: "/ort/runtime.json", backends: ["webgpu", "wasm"] });
