/**
 * Dense float64 matrices (row-major Float64Array) and the three products a dense layer needs,
 * each written so that its inner loop runs over contiguous memory.
 */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export const mat = (rows: number, cols: number, data?: Float64Array): Mat => ({
  rows,
  cols,
  data: data ?? new Float64Array(rows * cols),
});

/** C = A Bᵀ (A: n×k, B: m×k → n×m), optionally accumulated into C. Four rows of B at a time, so
 * each element of A is loaded once per four dot products. */
export function mulABt(A: Mat, B: Mat, C: Mat = mat(A.rows, B.rows), accumulate = false): Mat {
  const { rows: n, cols: k } = A;
  const m = B.rows;
  const a = A.data,
    b = B.data,
    c = C.data;
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    const ci = i * m;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      const b0 = j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let t = 0; t < k; t++) {
        const x = a[ai + t]!;
        s0 += x * b[b0 + t]!;
        s1 += x * b[b1 + t]!;
        s2 += x * b[b2 + t]!;
        s3 += x * b[b3 + t]!;
      }
      if (accumulate) {
        c[ci + j]! += s0;
        c[ci + j + 1]! += s1;
        c[ci + j + 2]! += s2;
        c[ci + j + 3]! += s3;
      } else {
        c[ci + j] = s0;
        c[ci + j + 1] = s1;
        c[ci + j + 2] = s2;
        c[ci + j + 3] = s3;
      }
    }
    for (; j < m; j++) {
      const bj = j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t]! * b[bj + t]!;
      c[ci + j] = accumulate ? c[ci + j]! + s : s;
    }
  }
  return C;
}

/** C += Aᵀ B (A: n×m, B: n×k → m×k). Four rows of A and B per pass over a row of C. */
export function addAtB(A: Mat, B: Mat, C: Mat): Mat {
  const { rows: n, cols: m } = A;
  const k = B.cols;
  const a = A.data,
    b = B.data,
    c = C.data;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const b0 = i * k,
      b1 = b0 + k,
      b2 = b1 + k,
      b3 = b2 + k;
    for (let j = 0; j < m; j++) {
      const s0 = a[i * m + j]!,
        s1 = a[(i + 1) * m + j]!,
        s2 = a[(i + 2) * m + j]!,
        s3 = a[(i + 3) * m + j]!;
      if (s0 === 0 && s1 === 0 && s2 === 0 && s3 === 0) continue;
      const cj = j * k;
      for (let t = 0; t < k; t++)
        c[cj + t]! += s0 * b[b0 + t]! + s1 * b[b1 + t]! + s2 * b[b2 + t]! + s3 * b[b3 + t]!;
    }
  }
  for (; i < n; i++) {
    const bi = i * k;
    for (let j = 0; j < m; j++) {
      const s = a[i * m + j]!;
      if (s === 0) continue;
      const cj = j * k;
      for (let t = 0; t < k; t++) c[cj + t]! += s * b[bi + t]!;
    }
  }
  return C;
}

/** C += A B (A: n×m, B: m×k → n×k). Four rows of B per pass over a row of C. */
export function addAB(A: Mat, B: Mat, C: Mat): Mat {
  const { rows: n, cols: m } = A;
  const k = B.cols;
  const a = A.data,
    b = B.data,
    c = C.data;
  for (let i = 0; i < n; i++) {
    const ci = i * k,
      ai = i * m;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      const s0 = a[ai + j]!,
        s1 = a[ai + j + 1]!,
        s2 = a[ai + j + 2]!,
        s3 = a[ai + j + 3]!;
      if (s0 === 0 && s1 === 0 && s2 === 0 && s3 === 0) continue;
      const b0 = j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k;
      for (let t = 0; t < k; t++)
        c[ci + t]! += s0 * b[b0 + t]! + s1 * b[b1 + t]! + s2 * b[b2 + t]! + s3 * b[b3 + t]!;
    }
    for (; j < m; j++) {
      const s = a[ai + j]!;
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

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: the eigenvalues and
 * orthonormal eigenvectors, vectors[j] belonging to values[j].
 */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const V: number[][] = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 80; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p]![q]!) < 1e-300) continue;
        const th = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const x = m[k]![p]!,
            y = m[k]![q]!;
          m[k]![p] = c * x - s * y;
          m[k]![q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = m[p]![k]!,
            y = m[q]![k]!;
          m[p]![k] = c * x - s * y;
          m[q]![k] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = V[k]![p]!,
            y = V[k]![q]!;
          V[k]![p] = c * x - s * y;
          V[k]![q] = s * x + c * y;
        }
      }
  }
  // V accumulates the rotations: its columns are the eigenvectors.
  return { values: m.map((r, i) => r[i]!), vectors: m.map((_, j) => V.map((row) => row[j]!)) };
}

/** Smallest eigenvalue of a small symmetric matrix. */
export const minEigen = (a: readonly (readonly number[])[]): number => Math.min(...symmetricEigen(a).values);
