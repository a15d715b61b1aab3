using System;
using System.IO;
using System.Linq;
using Google.Protobuf;

namespace ModelGen.Tests.Onnx;

/// <summary>Reference ONNX graphs written by hand, independently of the runtime's OnnxGraphBuilder, for ONNX Runtime to
/// compute expected values with (Convolution/OnnxRuntimeReferenceTests, Layers/GruTests).</summary>
internal static class OnnxProtoWriter
{
    // A minimal ONNX encoder, field numbers from onnx/onnx.proto: ModelProto (ir_version 1, graph 7, opset_import 8),
    // GraphProto (node 1, name 2, initializer 5, input 11, output 12), NodeProto (input 1, output 2, op_type 4,
    // attribute 5), AttributeProto (name 1, f 2, i 3, ints 8, type 20: FLOAT 1, INT 2, INTS 7), TensorProto (dims 1, data_type 2,
    // name 8, raw_data 9), ValueInfoProto (name 1, type 2), TypeProto.tensor_type 1 (elem_type 1, shape 2),
    // TensorShapeProto.dim 1 (dim_value 1).

    public static byte[] Graph(byte[][] nodes, byte[][] initializers, (string Name, long[] Shape) input, (string Name, long[] Shape) output, long opset = 13)
    {
        byte[] graph = Message(w =>
        {
            foreach (byte[] node in nodes) Bytes(w, 1, node);
            String(w, 2, "reference");
            foreach (byte[] tensor in initializers) Bytes(w, 5, tensor);
            Bytes(w, 11, ValueInfo(input.Name, input.Shape));
            Bytes(w, 12, ValueInfo(output.Name, output.Shape));
        });
        return Message(w =>
        {
            Varint(w, 1, 7);
            Bytes(w, 7, graph);
            Bytes(w, 8, Message(o => { String(o, 1, string.Empty); Varint(o, 2, opset); }));
        });
    }

    public static byte[] Node(string opType, string[] inputs, string output, params byte[][] attributes) => Message(w =>
    {
        foreach (string input in inputs) String(w, 1, input);
        String(w, 2, output);
        String(w, 4, opType);
        foreach (byte[] attribute in attributes) Bytes(w, 5, attribute);
    });

    public static byte[] Ints(string name, params long[] values) => Message(w =>
    {
        String(w, 1, name);
        foreach (long value in values) Varint(w, 8, value);
        Varint(w, 20, 7);
    });

    public static byte[] Int(string name, long value) => Message(w =>
    {
        String(w, 1, name);
        Varint(w, 3, value);
        Varint(w, 20, 2);
    });

    public static byte[] Float(string name, float value) => Message(w =>
    {
        String(w, 1, name);
        w.WriteTag(2, WireFormat.WireType.Fixed32);
        w.WriteFloat(value);
        Varint(w, 20, 1);
    });

    public static byte[] Tensor(string name, long[] dims, float[] values) => Message(w =>
    {
        foreach (long dim in dims) Varint(w, 1, dim);
        Varint(w, 2, 1);
        String(w, 8, name);
        Bytes(w, 9, values.SelectMany(BitConverter.GetBytes).ToArray());
    });

    public static byte[] ValueInfo(string name, long[] shape) => Message(w =>
    {
        String(w, 1, name);
        byte[] dims = Message(s => { foreach (long d in shape) Bytes(s, 1, Message(dim => Varint(dim, 1, d))); });
        Bytes(w, 2, Message(t => Bytes(t, 1, Message(tensor => { Varint(tensor, 1, 1); Bytes(tensor, 2, dims); }))));
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }

    private static void Varint(CodedOutputStream w, int field, long value)
    {
        w.WriteTag(field, WireFormat.WireType.Varint);
        w.WriteInt64(value);
    }

    private static void String(CodedOutputStream w, int field, string value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteString(value);
    }

    private static void Bytes(CodedOutputStream w, int field, byte[] value)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(value));
    }
}
