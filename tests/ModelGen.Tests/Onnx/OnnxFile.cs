using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;

namespace ModelGen.Tests.Onnx;

/// <summary>
/// What the tests read back from an exported <c>.onnx</c> file, decoded here with <see cref="CodedInputStream"/> and
/// field numbers written out from onnx/onnx.proto independently of the runtime's encoder: header, graph name,
/// nodes in order, initializers, and the input's and output's types.
/// </summary>
public sealed record OnnxFile(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    IReadOnlyList<(string Domain, long Version)> Opsets,
    string GraphName,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxTensor> Initializers,
    OnnxValueInfo Input,
    OnnxValueInfo Output)
{
    public static OnnxFile Parse(byte[] bytes)
    {
        var model = Fields.Read(bytes);
        var graph = Fields.Read(model.Bytes(7)); // ModelProto.graph = 7
        return new OnnxFile(
            IrVersion: model.Varint(1), // ModelProto.ir_version = 1
            ProducerName: model.String(2), // producer_name = 2
            ProducerVersion: model.String(3), // producer_version = 3
            Opsets: model.AllBytes(8).Select(Fields.Read).Select(o => (o.String(1), o.Varint(2))).ToList(), // opset_import = 8: domain = 1, version = 2
            GraphName: graph.String(2), // GraphProto.name = 2
            Nodes: graph.AllBytes(1).Select(OnnxNode.Parse).ToList(), // GraphProto.node = 1
            Initializers: graph.AllBytes(5).Select(OnnxTensor.Parse).ToList(), // GraphProto.initializer = 5
            Input: OnnxValueInfo.Parse(graph.AllBytes(11).Single()), // GraphProto.input = 11
            Output: OnnxValueInfo.Parse(graph.AllBytes(12).Single())); // GraphProto.output = 12
    }

    public OnnxTensor Initializer(string name) => Initializers.Single(t => t.Name == name);
}

/// <summary>A <c>NodeProto</c>: inputs = 1, outputs = 2, name = 3, op_type = 4, attributes = 5.</summary>
public sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, object> Attributes)
{
    public static OnnxNode Parse(byte[] bytes)
    {
        var node = Fields.Read(bytes);
        var attributes = new Dictionary<string, object>();
        foreach (Fields attribute in node.AllBytes(5).Select(Fields.Read))
        {
            // AttributeProto: name = 1, f = 2 (float), i = 3 (int64), ints = 8 (repeated int64), type = 20 (1 FLOAT, 2 INT, 7 INTS).
            long type = attribute.Varint(20);
            attributes[attribute.String(1)] = type switch
            {
                1 => attribute.Float(2),
                2 => (object)attribute.Varint(3),
                7 => attribute.AllVarints(8).ToArray(),
                8 => attribute.AllStrings(9).ToArray(), // STRINGS (strings = 9): an LSTM's or GRU's activations
                _ => throw new InvalidOperationException($"Unexpected attribute type {type}."),
            };
        }

        return new OnnxNode(node.String(3), node.String(4), node.AllStrings(1), node.AllStrings(2), attributes);
    }
}

/// <summary>A <c>TensorProto</c> initializer: dims = 1, data_type = 2, name = 8, raw_data = 9.</summary>
public sealed record OnnxTensor(string Name, long[] Dims, int DataType, float[] Values)
{
    /// <summary>The raw data read as int64 values (a Reshape's shape).</summary>
    public long[] Int64s => System.Runtime.InteropServices.MemoryMarshal.Cast<float, long>(Values).ToArray();

    public static OnnxTensor Parse(byte[] bytes)
    {
        var tensor = Fields.Read(bytes);
        byte[] raw = tensor.Bytes(9);
        var values = new float[raw.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
        }

        return new OnnxTensor(tensor.String(8), tensor.AllVarints(1).ToArray(), (int)tensor.Varint(2), values);
    }
}

/// <summary>A <c>ValueInfoProto</c> (name = 1, type = 2) of a tensor type (<c>TypeProto.tensor_type = 1</c>: elem_type = 1,
/// shape = 2; <c>TensorShapeProto.dim = 1</c>: dim_value = 1 or dim_param = 2). Dimensions are numbers or symbolic names.</summary>
public sealed record OnnxValueInfo(string Name, int ElementType, IReadOnlyList<string> Shape)
{
    public static OnnxValueInfo Parse(byte[] bytes)
    {
        var info = Fields.Read(bytes);
        var tensorType = Fields.Read(Fields.Read(info.Bytes(2)).Bytes(1));
        var shape = Fields.Read(tensorType.Bytes(2));
        var dims = shape.AllBytes(1).Select(Fields.Read)
            .Select(d => d.Has(2) ? d.String(2) : d.Varint(1).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        return new OnnxValueInfo(info.String(1), (int)tensorType.Varint(1), dims);
    }
}

/// <summary>A protobuf message's fields in wire order: varints as <see cref="long"/>, fixed32 as <see cref="uint"/>,
/// length-delimited as bytes. Any other wire type fails the test (the encoder writes none).</summary>
internal sealed class Fields
{
    private readonly List<(int Field, object Value)> _fields = new();

    public static Fields Read(byte[] bytes)
    {
        var result = new Fields();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            object value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => input.ReadInt64(),
                WireFormat.WireType.Fixed32 => input.ReadFixed32(),
                WireFormat.WireType.LengthDelimited => input.ReadBytes().ToByteArray(),
                WireFormat.WireType other => throw new InvalidOperationException($"Unexpected wire type {other} for field {field}."),
            };
            result._fields.Add((field, value));
        }

        return result;
    }

    /// <summary>The field numbers in wire order.</summary>
    public IEnumerable<int> Order => _fields.Select(f => f.Field);

    public bool Has(int field) => _fields.Any(f => f.Field == field);

    public long Varint(int field) => (long)_fields.Single(f => f.Field == field).Value;

    public float Float(int field) => BitConverter.UInt32BitsToSingle((uint)_fields.Single(f => f.Field == field).Value);

    public byte[] Bytes(int field) => (byte[])_fields.Single(f => f.Field == field).Value;

    public string String(int field) => System.Text.Encoding.UTF8.GetString(Bytes(field));

    public IEnumerable<byte[]> AllBytes(int field) => _fields.Where(f => f.Field == field).Select(f => (byte[])f.Value);

    public IReadOnlyList<string> AllStrings(int field) => AllBytes(field).Select(b => System.Text.Encoding.UTF8.GetString(b)).ToList();

    public IEnumerable<long> AllVarints(int field) => _fields.Where(f => f.Field == field).Select(f => (long)f.Value);
}
