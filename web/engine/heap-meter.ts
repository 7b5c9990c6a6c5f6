/**
 * The runtime's wasm heap, measured: ORT creates its `WebAssembly.Memory` in this worker, and a
 * wasm memory only grows, so its size is the most the runtime has held so far (its peak). The
 * constructor is wrapped before ORT starts because ORT keeps the memory to itself.
 */
const memories: WebAssembly.Memory[] = [];
const NativeMemory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(NativeMemory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) {
    const memory = Reflect.construct(target, args) as WebAssembly.Memory;
    memories.push(memory);
    return memory;
  },
});

/** Bytes in the largest wasm memory this worker created (ORT's heap), or null before there is one. */
export function wasmHeapBytes(): number | null {
  const sizes = memories.map((memory) => memory.buffer.byteLength).filter((bytes) => bytes > 0);
  return sizes.length ? Math.max(...sizes) : null;
}
