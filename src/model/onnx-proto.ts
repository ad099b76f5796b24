/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto) that reading an MLP needs, its decoding into
 * plain objects, and tensors' values as numbers. Fields the reader never looks at (subgraphs, types,
 * sparse tensors, functions, doc strings) are left out of the schema: the decoder skips them as
 * unknown fields, without descending into them. protobufjs/light (reflection, no .proto parser) is
 * loaded on the first decode, so that loading this module costs nothing until a model is read.
 */
import type { INamespace, Root, Type } from 'protobufjs';

/** `repeated` for a field descriptor. */
const R = 'repeated';

/** ModelProto and what it holds, with the field numbers of onnx.proto (IR version 8+). */
export const ONNX_SCHEMA: INamespace = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: R, type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: R, type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: R, type: 'TensorProto', id: 5 },
            input: { rule: R, type: 'ValueInfoProto', id: 11 },
            output: { rule: R, type: 'ValueInfoProto', id: 12 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeTensor', id: 1 } } },
        TypeTensor: { fields: { shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: R, type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
        NodeProto: {
          fields: {
            input: { rule: R, type: 'string', id: 1 },
            output: { rule: R, type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: R, type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: R, type: 'float', id: 7 },
            ints: { rule: R, type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: R, type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: R, type: 'float', id: 4 },
            int32Data: { rule: R, type: 'int32', id: 5 },
            int64Data: { rule: R, type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: { rule: R, type: 'double', id: 10 },
            externalData: { rule: R, type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

/** TensorProto.DataType values the reader handles. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values the reader handles. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A TensorProto: its data in whichever field the writer used (int64s as numbers). */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly floatData: readonly number[];
  readonly doubleData: readonly number[];
  readonly int32Data: readonly number[];
  readonly int64Data: readonly number[];
  readonly rawData: Uint8Array;
  /** The data is in a file beside the model (data_location EXTERNAL or external_data entries). */
  readonly external: boolean;
}

/** An AttributeProto (`type` 0 when the writer left it out). */
export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f: number;
  readonly i: number;
  readonly s: string;
  readonly t?: OnnxTensor;
  readonly floats: readonly number[];
  readonly ints: readonly number[];
}

/** A NodeProto. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly OnnxAttribute[];
}

/** A GraphProto: its nodes, initializers, and the names of its inputs and outputs. */
export interface OnnxGraph {
  readonly node: readonly OnnxNode[];
  readonly initializer: readonly OnnxTensor[];
  readonly input: readonly string[];
  readonly output: readonly string[];
  /**
   * The declared shape of each input that declares one, by name: a number per fixed axis, the axis's
   * name (or '' when it has none) per symbolic one.
   */
  readonly inputShapes?: ReadonlyMap<string, readonly (number | string)[]>;
}

/** A ModelProto: the default domain's opset version (0 when not declared) and the graph, if any. */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opset: number;
  readonly graph?: OnnxGraph;
}

/** Refuses the input: throws the caller's error with `detail` (never returns). */
export type Fail = (detail: string) => never;

/** An int64 as protobufjs decodes it: a number, or a Long when the `long` package is present. */
type Int64 = number | { toNumber(): number };

/** The decoded messages' shapes (protobufjs sets defaults on the prototype: every field reads). */
interface RawTensor {
  name: string;
  dims: Int64[];
  dataType: number;
  floatData: number[];
  doubleData: number[];
  int32Data: number[];
  int64Data: Int64[];
  rawData: Uint8Array | number[];
  externalData: unknown[];
  dataLocation: number;
}
interface RawAttribute {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array | number[];
  t?: RawTensor | null;
  floats: number[];
  ints: Int64[];
}
interface RawNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: RawAttribute[];
}
interface RawGraph {
  node: RawNode[];
  initializer: RawTensor[];
  input: RawValueInfo[];
  output: { name: string }[];
}
interface RawValueInfo {
  name: string;
  type?: { tensorType?: { shape?: { dim: { dimValue: Int64; dimParam: string }[] } | null } | null } | null;
}
interface RawModel {
  irVersion: Int64;
  opsetImport: { domain: string; version: Int64 }[];
  graph?: RawGraph | null;
}

const num = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());
/** A bytes field: a Buffer when set, the default (an empty array) when not. */
const bytesOf = (b: Uint8Array | readonly number[]): Uint8Array =>
  b instanceof Uint8Array ? b : Uint8Array.from(b);
const utf8 = new TextDecoder();

const tensor = (t: RawTensor): OnnxTensor => ({
  name: t.name,
  dims: t.dims.map(num),
  dataType: t.dataType,
  floatData: t.floatData,
  doubleData: t.doubleData,
  int32Data: t.int32Data,
  int64Data: t.int64Data.map(num),
  rawData: bytesOf(t.rawData),
  external: t.dataLocation === 1 || t.externalData.length > 0,
});

const attribute = (a: RawAttribute): OnnxAttribute => ({
  name: a.name,
  type: a.type,
  f: a.f,
  i: num(a.i),
  s: utf8.decode(bytesOf(a.s)),
  ...(a.t ? { t: tensor(a.t) } : {}),
  floats: a.floats,
  ints: a.ints.map(num),
});

const graphOf = (g: RawGraph): OnnxGraph => ({
  node: g.node.map((n) => ({
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.input,
    output: n.output,
    attribute: n.attribute.map(attribute),
  })),
  initializer: g.initializer.map(tensor),
  input: g.input.map((v) => v.name),
  output: g.output.map((v) => v.name),
  inputShapes: new Map(
    g.input.flatMap((v) => {
      const dims = v.type?.tensorType?.shape?.dim;
      const axis = (d: { dimValue: Int64; dimParam: string }): number | string =>
        d.dimParam || num(d.dimValue) <= 0 ? d.dimParam : num(d.dimValue);
      return dims ? [[v.name, dims.map(axis)] as const] : [];
    }),
  ),
});

let modelType: Type | undefined;

/** ModelProto's decoder, built on first use. */
function modelProto(): Type {
  if (!modelType) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, not at start-up
    const pb = require('protobufjs/light') as typeof import('protobufjs/light');
    const root: Root = pb.Root.fromJSON(ONNX_SCHEMA);
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/**
 * Decodes a serialized ModelProto. Throws whatever the protobuf decoder throws on bytes that are not
 * one (a truncated message, an impossible wire type); the caller turns that into its own error.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const m = modelProto().decode(bytes) as unknown as RawModel;
  const main = m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    irVersion: num(m.irVersion),
    opset: main ? num(main.version) : 0,
    ...(m.graph ? { graph: graphOf(m.graph) } : {}),
  };
}

// ---------------- tensor values ----------------

/** A tensor made from a Constant node's scalar or list attribute. */
function literal(name: string, dataType: number, dims: number[], values: readonly number[]): OnnxTensor {
  const float = dataType === DataType.FLOAT;
  return {
    name,
    dims,
    dataType,
    floatData: float ? values : [],
    doubleData: [],
    int32Data: [],
    int64Data: float ? [] : values,
    rawData: new Uint8Array(0),
    external: false,
  };
}

/** The tensor a Constant node makes (named `out`), or undefined for the kinds of value it cannot be. */
export function constantTensor(n: OnnxNode, out: string): OnnxTensor | undefined {
  const a = n.attribute[0];
  if (!a || n.attribute.length !== 1) return undefined;
  switch (a.name) {
    case 'value':
      return a.t;
    case 'value_float':
      return literal(out, DataType.FLOAT, [], [a.f]);
    case 'value_floats':
      return literal(out, DataType.FLOAT, [a.floats.length], a.floats);
    case 'value_int':
      return literal(out, DataType.INT64, [], [a.i]);
    case 'value_ints':
      return literal(out, DataType.INT64, [a.ints.length], a.ints);
    default:
      return undefined;
  }
}

/** A shape for messages: at most its first 8 dimensions. */
export const shapeText = (dims: readonly number[]): string =>
  `[${dims.slice(0, 8).join(', ')}${dims.length > 8 ? ', …' : ''}]`;

/** Number of entries of a shape; NaN when a dimension is not a non-negative integer. */
function count(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n = Number.isSafeInteger(d) && d >= 0 ? n * d : NaN;
  return n;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};
const typeName = (t: number): string => (Object.hasOwn(TYPE_NAMES, t) ? TYPE_NAMES[t]! : `type ${t}`);

/**
 * A float32 or float64 tensor's values in float64, from raw_data (little-endian) or float_data /
 * double_data; refused (through `fail`, naming it as `what`) unless they fill its shape and are finite
 * (with `infinite`, ±Infinity is taken too, as in an additive attention mask; NaN never is).
 */
export function tensorFloats(t: OnnxTensor, what: string, fail: Fail, infinite = false): Float64Array {
  if (t.external) fail(`${what} keeps its data in an external file, which is not supported`);
  const n = count(t.dims);
  const size = t.dataType === DataType.FLOAT ? 4 : t.dataType === DataType.DOUBLE ? 8 : 0;
  if (!size) fail(`${what} holds ${typeName(t.dataType)}; weights must be float32 or float64`);
  const listed = size === 4 ? t.floatData : t.doubleData;
  const have = t.rawData.length > 0 ? t.rawData.length / size : listed.length;
  if (have !== n) fail(`${what} has shape ${shapeText(t.dims)} but ${have} values`);
  const out = new Float64Array(n);
  if (t.rawData.length > 0) {
    const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    for (let k = 0; k < n; k++) out[k] = size === 4 ? v.getFloat32(4 * k, true) : v.getFloat64(8 * k, true);
  } else out.set(listed);
  if (!out.every(infinite ? (x: number) => !Number.isNaN(x) : Number.isFinite))
    fail(`${what} holds a non-finite value (NaN or ±Infinity)`);
  return out;
}

/** An int32 or int64 tensor of at most 8 values (a Reshape's shape), refused through `fail` otherwise. */
export function tensorInts(t: OnnxTensor, what: string, fail: Fail): number[] {
  const size = t.dataType === DataType.INT64 ? 8 : t.dataType === DataType.INT32 ? 4 : 0;
  if (!size || t.external) fail(`${what} must hold int64 values`);
  const listed = size === 8 ? t.int64Data : t.int32Data;
  const n = count(t.dims);
  const have = t.rawData.length > 0 ? t.rawData.length / size : listed.length;
  if (have !== n) fail(`${what} has shape ${shapeText(t.dims)} but ${have} values`);
  if (n > 8) fail(`${what} has ${n} values; a shape has at most 8`);
  if (t.rawData.length === 0) return [...listed];
  const v = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return Array.from({ length: n }, (_, k) =>
    size === 8 ? Number(v.getBigInt64(8 * k, true)) : v.getInt32(4 * k, true),
  );
}
