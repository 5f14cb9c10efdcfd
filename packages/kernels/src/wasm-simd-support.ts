/**
 * Whether this runtime runs WebAssembly SIMD kernels on shared memories: validates a 73-byte module
 * that imports a shared memory and uses i32x4 and atomic ops (the features the dark kernels need),
 * once per thread. Validating the kernels' own modules instead cost ~50 ms per worker thread; a
 * kernel module that then fails to compile still falls back to JavaScript.
 */

/** The test module: (import "env" "memory" (memory 1 1 shared)) and a function doing v128.load, i32x4.splat of an i32.atomic.load, i32x4.add, v128.store. */
const PROBE_WASM = 'AGFzbQEAAAABBQFgAX8AAhABA2VudgZtZW1vcnkCAwEBAwIBAAcFAQFmAAAKGwEZACAAIAD9AAQAIAD+EAIA/RH9rgH9CwQACw==';

let supported: boolean | undefined;

/** True when WebAssembly SIMD with shared memories is available (checked once per thread). */
export function wasmSimdSupported(): boolean {
  if (supported === undefined) {
    const api = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    try {
      supported = api !== undefined && api.validate(Buffer.from(PROBE_WASM, 'base64'));
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** The part of the WebAssembly.Memory API used here (the package's TypeScript lib has no WebAssembly types). */
export interface WasmMemory {
  /** The memory's bytes (a SharedArrayBuffer for a shared memory). */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

const WASM_PAGE_BYTES = 65536;
/** Pages a 32-bit memory can have (4 GiB). */
const MAX_PAGES = 65536;

/**
 * A fixed-size WebAssembly memory of at least `bytes` bytes (zeroed), or undefined when it would pass
 * 4 GiB or the runtime refuses it (address space): the caller then uses plain buffers and JavaScript.
 * @param bytes - bytes needed
 * @param shared - a shared memory (its buffer a SharedArrayBuffer) for worker threads
 * @returns the memory, or undefined
 */
export function wasmMemoryOf(bytes: number, shared: boolean): WasmMemory | undefined {
  const api = (globalThis as { WebAssembly?: { Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory } }).WebAssembly;
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  if (!api || pages > MAX_PAGES) return undefined;
  try {
    return new api.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages, maximum: pages });
  } catch {
    return undefined;
  }
}

/** `bytes` rounded up to a multiple of `to`. */
export function alignBytes(bytes: number, to: number): number {
  return Math.ceil(bytes / to) * to;
}

/** A kernel's compiled modules, per memory kind (each compiled once per thread, where first used). */
export interface WasmModuleCache {
  shared?: object;
  unshared?: object;
}

/**
 * The exports of a kernel module instantiated on `memory` (imported as env.memory), or undefined where
 * it cannot run (no SIMD, or the module does not compile: the caller's JavaScript kernel runs instead).
 * @param memory - the memory the kernel works on
 * @param cache - the kernel's compiled modules of this thread
 * @param base64 - the module's bytes for a shared and for an unshared memory
 * @returns the instance's exports, or undefined
 */
export function instantiateOn(memory: WasmMemory, cache: WasmModuleCache, base64: { shared: string; unshared: string }): Record<string, unknown> | undefined {
  type Api = { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: Record<string, unknown> } };
  const api = (globalThis as { WebAssembly?: Api }).WebAssembly;
  if (!api || !wasmSimdSupported()) return undefined;
  const kind = memory.buffer instanceof SharedArrayBuffer ? 'shared' : 'unshared';
  try {
    const module = (cache[kind] ??= new api.Module(Buffer.from(base64[kind], 'base64')));
    return new api.Instance(module, { env: { memory } }).exports;
  } catch {
    return undefined;
  }
}
