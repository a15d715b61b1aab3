using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Text;

namespace ModelGen.CompilerServices;

/// <summary>
/// The binary format of <c>SaveWeights</c>/<c>LoadWeights</c>, for generated code. Little-endian throughout:
/// <code>
/// "MGWT"                          4 bytes, magic
/// version                         uint32 (1)
/// model name                      uint32 byte count + UTF-8 (the model's full type name)
/// tensor count                    uint32
/// per tensor: name, length        uint32 byte count + UTF-8, uint32 value count
/// layout fingerprint              uint64, FNV-1a over the tensor count, names and lengths
/// data                            every tensor's float32 values, in order
/// checksum                        uint32, CRC-32 of every byte before it
/// </code>
/// <see cref="Read(Stream, string, IReadOnlyList{string}, IReadOnlyList{int})"/> checks everything before returning
/// anything, so a caller that copies the result into its weights only afterwards is never left half-loaded.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightsFile
{
    /// <summary>The format version written and read.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "MGWT"u8;

    /// <summary>Writes the weights of a model.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="modelName">The model's full type name.</param>
    /// <param name="tensorNames">The tensors' names, in Keras's <c>get_weights</c> order.</param>
    /// <param name="tensors">The tensors, same order.</param>
    public static void Write(Stream stream, string modelName, IReadOnlyList<string> tensorNames, IReadOnlyList<float[]> tensors)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(tensorNames);
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensorNames.Count != tensors.Count)
        {
            throw new ArgumentException($"{tensorNames.Count} tensor names for {tensors.Count} tensors.", nameof(tensorNames));
        }

        var lengths = new int[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            lengths[i] = (tensors[i] ?? throw new ArgumentException($"Tensor {i} ('{tensorNames[i]}') is null.", nameof(tensors))).Length;
        }

        using var buffer = new MemoryStream();
        var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write((uint)FormatVersion);
        WriteString(writer, modelName);
        writer.Write((uint)tensors.Count);
        for (int i = 0; i < tensors.Count; i++)
        {
            WriteString(writer, tensorNames[i]);
            writer.Write((uint)lengths[i]);
        }

        writer.Write(Fingerprint(tensorNames, lengths));
        Span<byte> value = stackalloc byte[4];
        foreach (float[] tensor in tensors)
        {
            foreach (float f in tensor)
            {
                BinaryPrimitives.WriteSingleLittleEndian(value, f);
                writer.Write(value);
            }
        }

        writer.Flush();
        uint crc = Crc32.Compute(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        writer.Write(crc);
        writer.Flush();
        buffer.Position = 0;
        buffer.CopyTo(stream);
        stream.Flush();
    }

    /// <summary>Writes the weights to a file, replacing it only once the new content is complete.</summary>
    /// <param name="path">The file.</param>
    /// <param name="modelName">The model's full type name.</param>
    /// <param name="tensorNames">The tensors' names.</param>
    /// <param name="tensors">The tensors.</param>
    public static void Write(string path, string modelName, IReadOnlyList<string> tensorNames, IReadOnlyList<float[]> tensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Write(file, modelName, tensorNames, tensors);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads and validates weights written by <see cref="Write(Stream, string, IReadOnlyList{string}, IReadOnlyList{float[]})"/>.</summary>
    /// <param name="stream">The source; read to its end.</param>
    /// <param name="modelName">The model's full type name, which the file must name (or its simple name, for a file written
    /// by <c>modelgen import</c> for a class without a namespace).</param>
    /// <param name="tensorNames">The names the model expects, in order.</param>
    /// <param name="lengths">The lengths the model expects, in order.</param>
    /// <returns>New arrays with the file's tensors.</returns>
    /// <exception cref="InvalidDataException">The file is not a weights file, is damaged or truncated, or is for another model or layout.</exception>
    public static float[][] Read(Stream stream, string modelName, IReadOnlyList<string> tensorNames, IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(tensorNames);
        ArgumentNullException.ThrowIfNull(lengths);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.GetBuffer().AsSpan(0, (int)copy.Length), modelName, tensorNames, lengths);
    }

    /// <summary>Reads and validates weights from a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="modelName">The model's full type name.</param>
    /// <param name="tensorNames">The names the model expects.</param>
    /// <param name="lengths">The lengths the model expects.</param>
    /// <returns>New arrays with the file's tensors.</returns>
    /// <exception cref="InvalidDataException">The content is invalid (see the stream overload).</exception>
    public static float[][] Read(string path, string modelName, IReadOnlyList<string> tensorNames, IReadOnlyList<int> lengths)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(file, modelName, tensorNames, lengths);
    }

    private static float[][] Parse(ReadOnlySpan<byte> data, string modelName, IReadOnlyList<string> tensorNames, IReadOnlyList<int> lengths)
    {
        if (tensorNames.Count != lengths.Count)
        {
            throw new ArgumentException($"{tensorNames.Count} tensor names for {lengths.Count} lengths.", nameof(tensorNames));
        }

        var reader = new SpanReader(data);
        if (data.Length >= Magic.Length && !data.Slice(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a ModelGen weights file: the file does not start with \"MGWT\".");
        }

        reader.Skip(Magic.Length);
        uint version = reader.UInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Weights file format version {version} is not supported; this ModelGen reads version {FormatVersion}.");
        }

        // The file's own layout first: it tells how long the file must be, so truncation and damage are told apart
        // from a file that is intact but belongs to another model.
        string fileModel = reader.String();
        int count = (int)Math.Min(reader.UInt32(), int.MaxValue);
        var fileNames = new List<string>();
        var fileLengths = new List<int>();
        long values = 0;
        for (int i = 0; i < count; i++)
        {
            fileNames.Add(reader.String());
            int length = (int)Math.Min(reader.UInt32(), int.MaxValue);
            fileLengths.Add(length);
            values += length;
        }

        ulong fingerprint = reader.UInt64();
        long expected = reader.Position + values * sizeof(float) + sizeof(uint);
        if (data.Length < expected)
        {
            throw new InvalidDataException($"The weights file is truncated: the file ends after {data.Length} bytes, expected {expected}.");
        }

        if (data.Length > expected)
        {
            throw new InvalidDataException($"The weights file has {data.Length} bytes, expected {expected}: there is data after the checksum.");
        }

        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice((int)expected - sizeof(uint)));
        if (storedCrc != Crc32.Compute(data.Slice(0, (int)expected - sizeof(uint))) || fingerprint != Fingerprint(fileNames, fileLengths))
        {
            throw new InvalidDataException("Checksum mismatch: the weights file is damaged.");
        }

        // `modelgen import` names the class without a namespace when it was given none (the generator then puts it in the
        // project's RootNamespace, which the tool cannot know): such a file loads into the class of that name.
        bool sameModel = fileModel == modelName || (!fileModel.Contains('.') && modelName.EndsWith("." + fileModel, StringComparison.Ordinal));
        if (!sameModel)
        {
            throw new InvalidDataException($"The weights file is for model '{fileModel}', not '{modelName}'.");
        }

        if (count != tensorNames.Count)
        {
            throw new InvalidDataException($"The weights file has {count} tensors, but model '{modelName}' has {tensorNames.Count}: the layout differs.");
        }

        for (int i = 0; i < count; i++)
        {
            if (fileNames[i] != tensorNames[i] || fileLengths[i] != lengths[i])
            {
                throw new InvalidDataException(
                    $"The weights file's tensor {i} is '{fileNames[i]}' with {fileLengths[i]} values, but model '{modelName}' expects " +
                    $"'{tensorNames[i]}' with {lengths[i]} values: the layout differs.");
            }
        }

        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            var tensor = new float[fileLengths[i]];
            for (int j = 0; j < tensor.Length; j++)
            {
                tensor[j] = reader.Single();
            }

            result[i] = tensor;
        }

        return result;
    }

    /// <summary>FNV-1a (64-bit) over the tensor count, then each name's UTF-8 bytes, a separator, and its length.</summary>
    internal static ulong Fingerprint(IReadOnlyList<string> names, IReadOnlyList<int> lengths)
    {
        ulong hash = 14695981039346656037UL;
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, names.Count);
        hash = Fnv(hash, number);
        for (int i = 0; i < names.Count; i++)
        {
            hash = Fnv(hash, Encoding.UTF8.GetBytes(names[i]));
            hash = Fnv(hash, "\0"u8);
            BinaryPrimitives.WriteInt32LittleEndian(number, lengths[i]);
            hash = Fnv(hash, number);
        }

        return hash;
    }

    private static ulong Fnv(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((uint)bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>A bounds-checked little-endian reader whose errors say where the file ended.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public void Skip(int count) => Take(count);

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public string String()
        {
            uint length = UInt32();
            if (length > _data.Length - Position)
            {
                throw Truncated((long)Position + length);
            }

            return Encoding.UTF8.GetString(Take((int)length));
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - Position)
            {
                throw Truncated((long)Position + count);
            }

            ReadOnlySpan<byte> slice = _data.Slice(Position, count);
            Position += count;
            return slice;
        }

        private readonly InvalidDataException Truncated(long needed) =>
            new($"The weights file is truncated: the file ends after {_data.Length} bytes, expected at least {needed}.");
    }
}
