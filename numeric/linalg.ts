/**
 * Dense float64 matrices (row-major Float64Array) and the three products a dense layer needs,
 * each written so that its inner loop runs over contiguous memory.
 */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export const mat = (rows: number, cols: number, data?: Float64Array): Mat => ({ rows, cols, data: data ?? new Float64Array(rows * cols) });

/** C = A Bᵀ (A: n×k, B: m×k → n×m), optionally accumulated into C. */
export function mulABt(A: Mat, B: Mat, C: Mat = mat(A.rows, B.rows), accumulate = false): Mat {
  const { rows: n, cols: k } = A;
  const m = B.rows;
  const a = A.data, b = B.data, c = C.data;
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    for (let j = 0; j < m; j++) {
      const bj = j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t]! * b[bj + t]!;
      c[i * m + j] = accumulate ? c[i * m + j]! + s : s;
    }
  }
  return C;
}

/** C += Aᵀ B (A: n×m, B: n×k → m×k). */
export function addAtB(A: Mat, B: Mat, C: Mat): Mat {
  const { rows: n, cols: m } = A;
  const k = B.cols;
  const a = A.data, b = B.data, c = C.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const s = a[i * m + j]!;
      if (s === 0) continue;
      const cj = j * k, bi = i * k;
      for (let t = 0; t < k; t++) c[cj + t]! += s * b[bi + t]!;
    }
  }
  return C;
}

/** C += A B (A: n×m, B: m×k → n×k). */
export function addAB(A: Mat, B: Mat, C: Mat): Mat {
  const { rows: n, cols: m } = A;
  const k = B.cols;
  const a = A.data, b = B.data, c = C.data;
  for (let i = 0; i < n; i++) {
    const ci = i * k;
    for (let j = 0; j < m; j++) {
      const s = a[i * m + j]!;
      if (s === 0) continue;
      const bj = j * k;
      for (let t = 0; t < k; t++) c[ci + t]! += s * b[bj + t]!;
    }
  }
  return C;
}

export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

export const norm2 = (x: ArrayLike<number>): number => dot(x, x);
