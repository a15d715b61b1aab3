using System;
using System.IO;
using Google.Protobuf;

namespace ModelGen.CompilerServices;

/// <summary>
/// Encodes one protobuf message, field by field, with Google.Protobuf's <see cref="CodedOutputStream"/>. A nested
/// message is encoded first on its own writer and then embedded as a length-delimited field, so no size has to be
/// computed ahead. Fields are written in the order they are added: callers add them in field-number order, which
/// gives the canonical encoding and the same bytes on every run.
/// </summary>
internal sealed class ProtoMessageWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoMessageWriter() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

    /// <summary>A <c>string</c> field (UTF-8).</summary>
    public ProtoMessageWriter String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
        return this;
    }

    /// <summary>An <c>int64</c> field (varint; negative values take ten bytes, as protobuf specifies).</summary>
    public ProtoMessageWriter Int64(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
        return this;
    }

    /// <summary>An <c>int32</c> or enum field (varint).</summary>
    public ProtoMessageWriter Int32(int field, int value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt32(value);
        return this;
    }

    /// <summary>A <c>float</c> field (fixed 32 bits, little-endian).</summary>
    public ProtoMessageWriter Float(int field, float value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed32);
        _output.WriteFloat(value);
        return this;
    }

    /// <summary>A <c>bytes</c> field.</summary>
    public ProtoMessageWriter Bytes(int field, byte[] value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        // Length and bytes; wrapping copies nothing.
        _output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
        return this;
    }

    /// <summary>An embedded message field: <paramref name="message"/>'s bytes, length-delimited.</summary>
    public ProtoMessageWriter Message(int field, ProtoMessageWriter message) => Bytes(field, message.ToArray());

    /// <summary>The encoded message.</summary>
    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }
}
