/**
 * Hand-built one-graph ONNX models for tests that need a graph the exporter never writes (an op or a type a
 * provider lacks), written with the exporter's own protobuf encoder.
 */
import { DataType, encodeModel, type NodeProto, type TensorProto, type ValueInfoProto } from '../../src/models/export/onnx-proto.js';

/** A tensor's name, element type (onnx.proto TensorProto.DataType) and static shape. */
export function valueInfo(name: string, dims: readonly number[], type: number = DataType.FLOAT): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: type, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } };
}

/** An opset-17 model of one graph. */
export function tinyOnnxModel(g: {
  name: string;
  doc: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}): Uint8Array {
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'mnv4-bench-test',
    producer_version: '1',
    model_version: 1,
    doc_string: g.doc,
    graph: { name: g.name, node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs, value_info: [] },
    metadata_props: [],
  });
}
