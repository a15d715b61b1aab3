using System;
using System.IO;

namespace ModelGen.Keras;

/// <summary>A read-only view of a seekable stream that refuses to read more than a budget of bytes in all, so that a
/// crafted HDF5 file whose structures point back at themselves ends in an <see cref="InvalidDataException"/> instead of
/// a loop.</summary>
internal sealed class BudgetStream(Stream inner, long budget, string name) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Charge(n);
        return n;
    }

    public override int ReadByte()
    {
        int b = inner.ReadByte();
        Charge(b < 0 ? 0 : 1);
        return b;
    }

    private void Charge(int n)
    {
        _read += n;
        if (_read > budget)
        {
            throw new InvalidDataException($"{name}: reading the HDF5 structure took more than {budget} bytes of reads, far more than the file holds: its structure loops or is damaged.");
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
