namespace ModelGen.CompilerServices;

// Field numbers of the ONNX protobuf messages that ModelGen writes, from onnx/onnx.proto (package onnx, proto2).
// Each constant is named after the .proto field it encodes; the comment gives "message.field = number".
// ONNX never renumbers fields, so these hold for every IR version.

/// <summary><c>ModelProto</c>: the file's top-level message.</summary>
internal static class ModelProtoField
{
    /// <summary><c>ModelProto.ir_version = 1</c> (int64).</summary>
    public const int IrVersion = 1;

    /// <summary><c>ModelProto.producer_name = 2</c> (string).</summary>
    public const int ProducerName = 2;

    /// <summary><c>ModelProto.producer_version = 3</c> (string).</summary>
    public const int ProducerVersion = 3;

    /// <summary><c>ModelProto.doc_string = 6</c> (string).</summary>
    public const int DocString = 6;

    /// <summary><c>ModelProto.graph = 7</c> (GraphProto).</summary>
    public const int Graph = 7;

    /// <summary><c>ModelProto.opset_import = 8</c> (repeated OperatorSetIdProto).</summary>
    public const int OpsetImport = 8;
}

/// <summary><c>OperatorSetIdProto</c>: an operator set the model uses.</summary>
internal static class OperatorSetIdProtoField
{
    /// <summary><c>OperatorSetIdProto.domain = 1</c> (string; "" is the default ONNX domain).</summary>
    public const int Domain = 1;

    /// <summary><c>OperatorSetIdProto.version = 2</c> (int64).</summary>
    public const int Version = 2;
}

/// <summary><c>GraphProto</c>: nodes, initializers, inputs and outputs.</summary>
internal static class GraphProtoField
{
    /// <summary><c>GraphProto.node = 1</c> (repeated NodeProto, topologically sorted).</summary>
    public const int Node = 1;

    /// <summary><c>GraphProto.name = 2</c> (string).</summary>
    public const int Name = 2;

    /// <summary><c>GraphProto.initializer = 5</c> (repeated TensorProto).</summary>
    public const int Initializer = 5;

    /// <summary><c>GraphProto.doc_string = 10</c> (string).</summary>
    public const int DocString = 10;

    /// <summary><c>GraphProto.input = 11</c> (repeated ValueInfoProto).</summary>
    public const int Input = 11;

    /// <summary><c>GraphProto.output = 12</c> (repeated ValueInfoProto).</summary>
    public const int Output = 12;
}

/// <summary><c>NodeProto</c>: one operator application.</summary>
internal static class NodeProtoField
{
    /// <summary><c>NodeProto.input = 1</c> (repeated string).</summary>
    public const int Input = 1;

    /// <summary><c>NodeProto.output = 2</c> (repeated string).</summary>
    public const int Output = 2;

    /// <summary><c>NodeProto.name = 3</c> (string).</summary>
    public const int Name = 3;

    /// <summary><c>NodeProto.op_type = 4</c> (string).</summary>
    public const int OpType = 4;

    /// <summary><c>NodeProto.attribute = 5</c> (repeated AttributeProto).</summary>
    public const int Attribute = 5;
}

/// <summary><c>AttributeProto</c>: a named operator attribute.</summary>
internal static class AttributeProtoField
{
    /// <summary><c>AttributeProto.name = 1</c> (string).</summary>
    public const int Name = 1;

    /// <summary><c>AttributeProto.f = 2</c> (float).</summary>
    public const int F = 2;

    /// <summary><c>AttributeProto.i = 3</c> (int64).</summary>
    public const int I = 3;

    /// <summary><c>AttributeProto.floats = 7</c> (repeated float).</summary>
    public const int Floats = 7;

    /// <summary><c>AttributeProto.ints = 8</c> (repeated int64).</summary>
    public const int Ints = 8;

    /// <summary><c>AttributeProto.strings = 9</c> (repeated bytes).</summary>
    public const int Strings = 9;

    /// <summary><c>AttributeProto.type = 20</c> (AttributeProto.AttributeType).</summary>
    public const int Type = 20;
}

/// <summary>Values of <c>AttributeProto.AttributeType</c>.</summary>
internal static class AttributeType
{
    /// <summary><c>FLOAT = 1</c>.</summary>
    public const int Float = 1;

    /// <summary><c>INT = 2</c>.</summary>
    public const int Int = 2;

    /// <summary><c>FLOATS = 6</c>.</summary>
    public const int Floats = 6;

    /// <summary><c>INTS = 7</c>.</summary>
    public const int Ints = 7;

    /// <summary><c>STRINGS = 8</c>.</summary>
    public const int Strings = 8;
}

/// <summary><c>TensorProto</c>: an initializer's shape, type and data.</summary>
internal static class TensorProtoField
{
    /// <summary><c>TensorProto.dims = 1</c> (repeated int64).</summary>
    public const int Dims = 1;

    /// <summary><c>TensorProto.data_type = 2</c> (int32, a TensorProto.DataType).</summary>
    public const int DataType = 2;

    /// <summary><c>TensorProto.name = 8</c> (string).</summary>
    public const int Name = 8;

    /// <summary><c>TensorProto.raw_data = 9</c> (bytes: fixed-width little-endian values, row-major).</summary>
    public const int RawData = 9;
}

/// <summary>Values of <c>TensorProto.DataType</c>.</summary>
internal static class TensorDataType
{
    /// <summary><c>FLOAT = 1</c>: IEEE 754 float32.</summary>
    public const int Float = 1;

    /// <summary><c>INT64 = 7</c>.</summary>
    public const int Int64 = 7;
}

/// <summary><c>ValueInfoProto</c>: a graph input's or output's name and type.</summary>
internal static class ValueInfoProtoField
{
    /// <summary><c>ValueInfoProto.name = 1</c> (string).</summary>
    public const int Name = 1;

    /// <summary><c>ValueInfoProto.type = 2</c> (TypeProto).</summary>
    public const int Type = 2;
}

/// <summary><c>TypeProto</c> and its nested <c>TypeProto.Tensor</c>.</summary>
internal static class TypeProtoField
{
    /// <summary><c>TypeProto.tensor_type = 1</c> (TypeProto.Tensor, in the <c>value</c> oneof).</summary>
    public const int TensorType = 1;

    /// <summary><c>TypeProto.Tensor.elem_type = 1</c> (int32, a TensorProto.DataType).</summary>
    public const int TensorElemType = 1;

    /// <summary><c>TypeProto.Tensor.shape = 2</c> (TensorShapeProto).</summary>
    public const int TensorShape = 2;
}

/// <summary><c>TensorShapeProto</c> and its nested <c>TensorShapeProto.Dimension</c>.</summary>
internal static class TensorShapeProtoField
{
    /// <summary><c>TensorShapeProto.dim = 1</c> (repeated TensorShapeProto.Dimension).</summary>
    public const int Dim = 1;

    /// <summary><c>TensorShapeProto.Dimension.dim_value = 1</c> (int64, in the <c>value</c> oneof).</summary>
    public const int DimValue = 1;

    /// <summary><c>TensorShapeProto.Dimension.dim_param = 2</c> (string, a symbolic dimension, in the <c>value</c> oneof).</summary>
    public const int DimParam = 2;
}
