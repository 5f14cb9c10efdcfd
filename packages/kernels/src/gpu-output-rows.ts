/**
 * Readback of the gpu.js kernels' outputs. They are declared [x, 1, rows] rather than [x, rows]: on a
 * GL context gpu.js packs a three-dimensional output into a square texture, while a two-dimensional one
 * becomes a texture exactly x wide, which fails beyond the context's maxTextureSize (16384 texels on
 * Mesa and on many GPUs: less than one AGIPD or Jungfrau frame).
 */

/**
 * The rows of an [x, 1, z] gpu.js kernel output.
 * @param output - what the kernel returned (z planes of one row each)
 * @returns one Float32Array of x values per z
 */
export function rows(output: unknown): Float32Array[] {
  return (output as Float32Array[][]).map((plane) => plane[0]);
}
