/**
 * The WebAssembly SIMD kernels (numeric/kernels.wat, assembled into kernels.wasm next to this
 * module by scripts/build-wasm.js): the three products of numeric/linalg.ts with results identical
 * bit for bit to the plain-JavaScript loops there — same operations, same order per entry — at
 * several times their speed on large layers. The operands are copied into the module's memory and
 * the product copied back; the memory grows to the largest product seen and is reused.
 *
 * Absent binary (code run from source before a build), a machine without WebAssembly SIMD, or
 * `NOETHER_KERNELS=js` in the environment: every function returns false and the caller runs its
 * JavaScript loop.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of the WebAssembly JavaScript API used here (the project compiles without DOM types). */
declare const WebAssembly: {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  mulABt(pA: number, pB: number, pC: number, pS: number, n: number, m: number, k: number, acc: number): void;
  addAtB(pA: number, pB: number, pC: number, n: number, m: number, k: number): void;
  addAB(pA: number, pB: number, pC: number, n: number, m: number, k: number): void;
}

let loaded: Exports | null | undefined;

function instance(): Exports | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env['NOETHER_KERNELS'] === 'js') return loaded;
  try {
    const module = new WebAssembly.Module(readFileSync(join(__dirname, 'kernels.wasm')));
    loaded = new WebAssembly.Instance(module, {}).exports as Exports;
  } catch {
    // No binary, or no WebAssembly SIMD: the JavaScript loops serve.
  }
  return loaded;
}

/** Which kernels the products run on in this process. */
export const kernelKind = (): 'wasm-simd' | 'js' => (instance() ? 'wasm-simd' : 'js');

/** Byte offsets are 32-bit: products whose operands need more stay in JavaScript. */
const MAX_BYTES = 2 ** 31;
const PAGE = 65536;
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** The module's memory, grown to at least `bytes`; undefined when that is more than it can hold. */
function memory(w: Exports, bytes: number): ArrayBuffer | undefined {
  if (bytes > MAX_BYTES) return undefined;
  const have = w.memory.buffer.byteLength;
  if (have < bytes) w.memory.grow(Math.ceil((bytes - have) / PAGE));
  return w.memory.buffer;
}

/** C (n×m) = A (n×k) Bᵀ (B: m×k), or C += A Bᵀ. False when the WebAssembly kernels are not in use. */
export function simdMulABt(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  n: number,
  m: number,
  k: number,
  accumulate: boolean,
): boolean {
  const w = instance();
  if (!w) return false;
  const pB = align(8 * n * k),
    pC = pB + align(8 * m * k),
    pS = pC + align(8 * n * m);
  const buf = memory(w, pS + 32 * k * Math.ceil(n / 4));
  if (!buf) return false;
  new Float64Array(buf, 0, n * k).set(a.subarray(0, n * k));
  new Float64Array(buf, pB, m * k).set(b.subarray(0, m * k));
  const out = new Float64Array(buf, pC, n * m);
  if (accumulate) out.set(c.subarray(0, n * m));
  w.mulABt(0, pB, pC, pS, n, m, k, accumulate ? 1 : 0);
  c.set(out);
  return true;
}

/** C (rowsC×k) += product of A and B by `kernel`, with A n×m and B of `bRows`×k. */
function accumulateInto(
  kernel: 'addAtB' | 'addAB',
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  n: number,
  m: number,
  k: number,
): boolean {
  const w = instance();
  if (!w) return false;
  const bRows = kernel === 'addAtB' ? n : m;
  const cRows = kernel === 'addAtB' ? m : n;
  const pB = align(8 * n * m),
    pC = pB + align(8 * bRows * k);
  const buf = memory(w, pC + 8 * cRows * k);
  if (!buf) return false;
  new Float64Array(buf, 0, n * m).set(a.subarray(0, n * m));
  new Float64Array(buf, pB, bRows * k).set(b.subarray(0, bRows * k));
  const out = new Float64Array(buf, pC, cRows * k);
  out.set(c.subarray(0, cRows * k));
  w[kernel](0, pB, pC, n, m, k);
  c.set(out);
  return true;
}

/** C (m×k) += Aᵀ B (A: n×m, B: n×k). False when the WebAssembly kernels are not in use. */
export const simdAddAtB = (
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  n: number,
  m: number,
  k: number,
) => accumulateInto('addAtB', a, b, c, n, m, k);

/** C (n×k) += A B (A: n×m, B: m×k). False when the WebAssembly kernels are not in use. */
export const simdAddAB = (
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  n: number,
  m: number,
  k: number,
) => accumulateInto('addAB', a, b, c, n, m, k);
