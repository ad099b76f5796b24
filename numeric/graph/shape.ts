/** Shapes of the graph's row-major tensors. */

/** The number of entries of a shape's axes from..to−1: their product (of an empty range, 1). */
export function sizeOf(shape: readonly number[], from = 0, to = shape.length): number {
  let s = 1;
  for (let i = from; i < to; i++) s *= shape[i]!;
  return s;
}
