/**
 * The WebAssembly SIMD kernels (numeric/kernels.wat, assembled into kernels.wasm next to this
 * module by scripts/build-wasm.js): the three products of numeric/linalg.ts with results identical
 * bit for bit (NaN payloads aside) to the plain-JavaScript loops there — same operations, same
 * order per entry — at 5–20 times their speed on large layers (register tiles over packed panels).
 *
 * Operands live in the module's memory. An evaluation that runs inside `withArena` allocates its
 * matrices there (linalg's `mat` asks `arenaArray`), so the products read and write them in place;
 * any other operand is copied in (and an output copied back) around the call. The memory grows only
 * outside an arena, so the arena's arrays are never detached while in use; a product that does not
 * fit in an arena's reserve runs its JavaScript loop instead (same results).
 *
 * Absent binary (code run from source before a build), a machine without WebAssembly SIMD, or
 * `NOETHER_KERNELS=js` in the environment: every product returns false (the caller runs its
 * JavaScript loop) and `arenaArray` returns undefined.
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
  addAtB(pA: number, pB: number, pC: number, pS: number, n: number, m: number, k: number): void;
  addAB(pA: number, pB: number, pC: number, pS: number, n: number, m: number, k: number): void;
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

/**
 * The memory is a stack: [0, top) holds the arrays of the open arenas; a product's copies and
 * scratch go above `top` for the length of the call. `depth` counts open arenas; while one is open
 * the memory does not grow.
 */
let top = 0;
let depth = 0;
/** The end of the outermost open arena's reserve. */
let limit = 0;

/**
 * The memory's buffer, kept between growths: `memory.buffer` is a call into the engine, and the same
 * object until the memory grows (which detaches it), so `memory` reads it again after each growth.
 */
let buffer: ArrayBuffer | undefined;
const bufferOf = (w: Exports): ArrayBuffer => (buffer ??= w.memory.buffer);

/** The module's memory with at least `bytes` bytes, grown if no arena is open; else undefined. */
function memory(w: Exports, bytes: number): ArrayBuffer | undefined {
  if (bytes > MAX_BYTES) return undefined;
  const have = bufferOf(w).byteLength;
  if (have < bytes) {
    if (depth > 0) return undefined;
    w.memory.grow(Math.ceil((bytes - have) / PAGE));
    buffer = w.memory.buffer;
  }
  return bufferOf(w);
}

/**
 * Runs `f` with an arena of `bytes` bytes reserved in the kernels' memory: `arenaArray` hands out
 * zeroed arrays from it until it is full (then undefined: the caller allocates on the heap) and
 * they are all released when `f` returns. Nothing allocated in it may outlive `f` — results are
 * copied out. Nested arenas share the outer reserve.
 */
export function withArena<T>(bytes: number, f: () => T): T {
  const w = instance();
  if (!w || (depth === 0 && !memory(w, align(top) + bytes))) return f();
  const saved = top;
  if (depth === 0) limit = align(top) + bytes;
  depth++;
  try {
    return f();
  } finally {
    depth--;
    top = saved;
  }
}

/**
 * An array of n entries in the open arena, or undefined (no arena, or it is full); zeroed unless
 * `zero` is false (for an array the caller overwrites at once).
 */
export function arenaArray(n: number, zero = true): Float64Array | undefined {
  if (depth === 0 || !loaded) return undefined;
  const start = align(top);
  const end = start + 8 * n;
  if (end > limit) return undefined;
  top = end;
  const a = new Float64Array(bufferOf(loaded), start, n);
  if (zero) a.fill(0);
  return a;
}

/** a itself, or a copy on the heap when a is in the kernels' memory (an arena array). */
export const heapCopy = (a: Float64Array): Float64Array => (loaded && resident(loaded, a) ? a.slice() : a);

/** Whether a is in the kernels' memory (an arena array), so a product can use it in place. */
const resident = (w: Exports, a: Float64Array): boolean => a.buffer === bufferOf(w);

/**
 * Places the operands of one product: each resident one where it is, every other copied above
 * `top` (with `bytes` of scratch after them). Returns their byte offsets and the scratch's, or
 * undefined when they do not fit (the caller runs its JavaScript loop). `copyIn` false for an
 * output whose old values are not read.
 */
function place(
  w: Exports,
  operands: readonly { readonly a: Float64Array; readonly n: number; readonly copyIn: boolean }[],
  bytes: number,
): { readonly at: readonly number[]; readonly scratch: number } | undefined {
  let end = align(top);
  const at: number[] = [];
  for (const o of operands) {
    if (resident(w, o.a)) at.push(o.a.byteOffset);
    else {
      at.push(end);
      end = align(end + 8 * o.n);
    }
  }
  const buf = memory(w, end + bytes);
  if (!buf) return undefined;
  operands.forEach((o, i) => {
    if (o.copyIn && !resident(w, o.a)) new Float64Array(buf, at[i]!, o.n).set(o.a.subarray(0, o.n));
  });
  return { at, scratch: end };
}

/** Copies a non-resident output back from where `place` put it. */
function copyOut(w: Exports, c: Float64Array, at: number, n: number): void {
  if (!resident(w, c)) c.set(new Float64Array(bufferOf(w), at, n));
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
  const p = place(
    w,
    [
      { a, n: n * k, copyIn: true },
      { a: b, n: m * k, copyIn: true },
      { a: c, n: n * m, copyIn: accumulate },
    ],
    // Scratch: the packed panels of A (k steps × four entries per panel) and a 4×4 tile.
    32 * k * Math.ceil(n / 4) + 128,
  );
  if (!p) return false;
  w.mulABt(p.at[0]!, p.at[1]!, p.at[2]!, p.scratch, n, m, k, accumulate ? 1 : 0);
  copyOut(w, c, p.at[2]!, n * m);
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
  // Scratch: the packed panels of both factors (steps × four entries per panel) and a 4×4 tile.
  const steps = kernel === 'addAtB' ? n : m;
  const p = place(
    w,
    [
      { a, n: n * m, copyIn: true },
      { a: b, n: bRows * k, copyIn: true },
      { a: c, n: cRows * k, copyIn: true },
    ],
    32 * steps * (Math.ceil(cRows / 4) + Math.ceil(k / 4)) + 128,
  );
  if (!p) return false;
  w[kernel](p.at[0]!, p.at[1]!, p.at[2]!, p.scratch, n, m, k);
  copyOut(w, c, p.at[2]!, cRows * k);
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
