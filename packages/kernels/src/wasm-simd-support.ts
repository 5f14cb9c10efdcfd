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
