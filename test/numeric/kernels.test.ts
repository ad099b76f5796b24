/**
 * The WebAssembly SIMD kernels give the JavaScript products' results bit for bit (the kernels keep
 * every entry's operations and their order; only the loops around them change), on shapes that
 * exercise every tail (rows packed by four, blocks of four, odd lengths), with zeros that take the skipped
 * blocks, and with ∞ and NaN, whose propagation an order change or a wrong skip would alter.
 */
import fc from 'fast-check';
import { batchedProducts, jsKernels, mat, mulABt, addAtB, addAB, type Mat } from '../../numeric/linalg';
import { heapCopy, kernelKind, withArena } from '../../numeric/kernels';
import { buildNetwork, evaluate, evaluateWith, type MlpSpec } from '../../numeric/mlp';
import { rng } from '../../numeric/rng';
import { sampleBatch, sampleDirection, sampleParams } from '../../numeric/sample';

const inCI = process.env['CI'] === 'true';

/** Entries: mostly ordinary doubles over many magnitudes, some exact zeros, rarely ∞ or NaN. */
const entry = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(Infinity, -Infinity, NaN, -0, 1e300, 1e-300) },
);
const matrix = (rows: number, cols: number): fc.Arbitrary<Mat> =>
  fc
    .array(entry, { minLength: rows * cols, maxLength: rows * cols })
    .map((xs) => mat(rows, cols, Float64Array.from(xs)));
const dims = fc.tuple(
  fc.integer({ min: 1, max: 11 }),
  fc.integer({ min: 1, max: 11 }),
  fc.integer({ min: 1, max: 13 }),
);

/** Same bits, NaN payloads aside (Object.is treats every NaN alike and tells −0 from 0). */
function sameBits(x: Float64Array, y: Float64Array): void {
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) expect([i, x[i]]).toEqual([i, y[i]]);
}

const copy = (M: Mat): Mat => mat(M.rows, M.cols, Float64Array.from(M.data));

describe('WebAssembly SIMD kernels', () => {
  it('are in use where the binary is built (always in CI)', () => {
    if (inCI) expect(kernelKind()).toBe('wasm-simd');
    else if (kernelKind() === 'js')
      console.warn('kernels.test: numeric/kernels.wasm not built; comparing JS with JS');
  });

  // The products below call the dispatching functions on shapes whose work may fall under the
  // threshold for WebAssembly; each property therefore scales one dimension up past it too.
  const scaled = (d: [number, number, number], f: number): [number, number, number] => [
    d[0],
    d[1] * f,
    d[2] * f,
  ];

  it('mulABt: C = A Bᵀ and C += A Bᵀ identical to the JavaScript loop', () => {
    fc.assert(
      fc.property(
        dims.chain(([n, m, k]) => fc.constantFrom(1, 8).map((f) => scaled([n, m, k], f))),
        fc.boolean(),
        fc.integer(),
        ([n, m, k], acc, seed) => {
          const [A, B, C0] = fc.sample(fc.tuple(matrix(n, k), matrix(m, k), matrix(n, m)), {
            seed,
            numRuns: 1,
          })[0]!;
          const want = jsKernels.mulABt(A, B, copy(C0), acc);
          const got = mulABt(A, B, copy(C0), acc);
          sameBits(got.data, want.data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('addAtB: C += Aᵀ B identical to the JavaScript loop', () => {
    fc.assert(
      fc.property(
        dims.chain(([n, m, k]) => fc.constantFrom(1, 8).map((f) => scaled([n, m, k], f))),
        fc.integer(),
        ([n, m, k], seed) => {
          const [A, B, C0] = fc.sample(fc.tuple(matrix(n, m), matrix(n, k), matrix(m, k)), {
            seed,
            numRuns: 1,
          })[0]!;
          sameBits(addAtB(A, B, copy(C0)).data, jsKernels.addAtB(A, B, copy(C0)).data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('addAB: C += A B identical to the JavaScript loop', () => {
    fc.assert(
      fc.property(
        dims.chain(([n, m, k]) => fc.constantFrom(1, 8).map((f) => scaled([n, m, k], f))),
        fc.integer(),
        ([n, m, k], seed) => {
          const [A, B, C0] = fc.sample(fc.tuple(matrix(n, m), matrix(m, k), matrix(n, k)), {
            seed,
            numRuns: 1,
          })[0]!;
          sameBits(addAB(A, B, copy(C0)).data, jsKernels.addAB(A, B, copy(C0)).data);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('batchedProducts: each block the product the JavaScript loop gives on that block alone', () => {
    // count blocks of each operand side by side; block q of C against jsKernels on copies of block q
    // of A, B and C (the loops at offsets, or the WebAssembly kernels on views past the threshold).
    const forms = ['ABt', 'AtB', 'AB'] as const;
    fc.assert(
      fc.property(
        dims.chain(([m, n, k]) => fc.constantFrom(1, 8).map((f) => scaled([m, n, k], f))),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(...forms),
        fc.integer(),
        ([m, n, k], count, form, seed) => {
          // Shapes of one block of A and B as the form reads them; C is m×n.
          const [ar, ac] = form === 'AtB' ? [k, m] : [m, k];
          const [br, bc] = form === 'ABt' ? [n, k] : [k, n];
          const blocks = fc.sample(
            fc.array(fc.tuple(matrix(ar, ac), matrix(br, bc), matrix(m, n)), {
              minLength: count,
              maxLength: count,
            }),
            { seed, numRuns: 1 },
          )[0]!;
          const joined = (i: 0 | 1 | 2): Float64Array => {
            const parts = blocks.map((b) => b[i].data);
            const out = new Float64Array(parts.reduce((s, x) => s + x.length, 0));
            parts.forEach((x, q) => out.set(x, q * x.length));
            return out;
          };
          const [a, b, c] = [joined(0), joined(1), joined(2)];
          batchedProducts(form, count, m, n, k, a, b, c);
          blocks.forEach(([A, B, C0], q) => {
            const want =
              form === 'ABt'
                ? jsKernels.mulABt(A, B, copy(C0), true)
                : form === 'AtB'
                  ? jsKernels.addAtB(A, B, copy(C0))
                  : jsKernels.addAB(A, B, copy(C0));
            sameBits(c.subarray(q * m * n, (q + 1) * m * n), want.data);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a product by hand: [1 2; 3 4] times its transpose', () => {
    // Large enough in one dimension to run on the WebAssembly kernels: pad with zero columns.
    const k = 4096;
    const A = mat(2, k);
    A.data.set([1, 2], 0);
    A.data.set([3, 4], k);
    expect(Array.from(mulABt(A, A).data)).toEqual([5, 11, 11, 25]);
    const C = mat(2, k);
    addAtB(mat(2, 2, Float64Array.from([1, 2, 3, 4])), A, C); // C = [1 3; 2 4] A
    expect([C.data[0], C.data[1], C.data[k], C.data[k + 1]]).toEqual([10, 14, 14, 20]);
    const D = mat(2, k);
    addAB(mat(2, 2, Float64Array.from([1, 2, 3, 4])), A, D);
    expect([D.data[0], D.data[1], D.data[k], D.data[k + 1]]).toEqual([7, 10, 15, 22]);
  });
});

describe("an evaluation's arena", () => {
  const spec: MlpSpec = {
    widths: [24, 48, 32, 5],
    act: { kind: 'relu' },
    norm: 'batch',
    affine: true,
    loss: 'ce',
    bias: true,
  };
  const net = buildNetwork(spec);
  const r = rng(3);
  const theta = sampleParams(net, r);
  const batch = sampleBatch(spec, 16, r);
  const v = sampleDirection(net.size, r);
  const all = (e: ReturnType<typeof evaluate>): Float64Array[] =>
    [e.grad, e.hv!, e.gradBound!, e.hvBound!, e.outputs.data, e.outputAdjoint.data].map((x) => x.slice());

  it('gives the bits of heap matrices copied around every product', () => {
    const inArena = all(evaluate(net, theta, batch, v, { bound: true }));
    // A nested evaluation shares its enclosing arena: 16 bytes hold none of its matrices.
    const onHeap = all(withArena(16, () => evaluate(net, theta, batch, v, { bound: true })));
    inArena.forEach((x, i) => sameBits(x, onHeap[i]!));
  });

  it('returns results that outlive it, and writes them into `into` when asked', () => {
    const e1 = evaluate(net, theta, batch, v, { bound: true });
    const kept = all(e1);
    const into = { grad: new Float64Array(net.size), hv: new Float64Array(net.size) };
    const e2 = evaluate(
      net,
      theta.map((x) => 2 * x),
      batch,
      v,
      { into },
    );
    all(e1).forEach((x, i) => sameBits(x, kept[i]!));
    expect(e2.grad).toBe(into.grad);
    expect(e2.hv).toBe(into.hv);
    const e3 = evaluate(
      net,
      theta.map((x) => 2 * x),
      batch,
      v,
    );
    sameBits(into.grad, e3.grad);
    sameBits(into.hv, e3.hv!);
    expect(() => evaluate(net, theta, batch, v, { into: { grad: new Float64Array(3) } })).toThrow(
      /output arrays/,
    );
    // The same array for two results would return H v as the gradient.
    const one = new Float64Array(net.size);
    expect(() => evaluate(net, theta, batch, v, { into: { grad: one, hv: one } })).toThrow(/same array/);
    // A member given as undefined is absent.
    const grad = new Float64Array(net.size);
    expect(evaluate(net, theta, batch, v, { into: { grad, hv: undefined } as never }).grad).toBe(grad);
  });

  it("is read in place by evaluateWith: the same bits, in the kernels' memory", () => {
    const copied = all(evaluate(net, theta, batch, v, { bound: true }));
    const read = evaluateWith(net, theta, batch, v, { bound: true }, (e) => {
      // in place: the arrays are views of the kernels' memory, not heap copies
      expect(heapCopy(e.grad)).not.toBe(e.grad);
      return all(e);
    });
    read.forEach((x, i) => sameBits(x, copied[i]!));
  });
});
