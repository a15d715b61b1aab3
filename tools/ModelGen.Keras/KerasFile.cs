using System;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace ModelGen.Keras;

/// <summary>The kinds of Keras file, told from their content (a file named <c>.keras</c> may be HDF5, and one named
/// <c>model.h5</c> may hold only weights).</summary>
public enum KerasFileFormat
{
    /// <summary>Not a Keras file this library knows.</summary>
    Unknown,

    /// <summary>A zip: Keras 3's <c>.keras</c> (<c>config.json</c>, <c>metadata.json</c>, <c>model.weights.h5</c>), or tf-keras 2.13–2.15's.</summary>
    KerasZip,

    /// <summary>HDF5: a legacy full model (<c>model.save("m.h5")</c>) or a weights file.</summary>
    Hdf5,

    /// <summary>JSON: <c>model.to_json()</c>, a <c>config.json</c>, or a TensorFlow.js Layers <c>model.json</c>.</summary>
    Json,
}

/// <summary>Reads the architecture of a Keras model file (SPEC §7), treating the file as untrusted: bounded sizes, no
/// code run. A legacy HDF5 full model's <c>model_config</c> is read; the weights are <see cref="KerasWeightsFile"/>'s.</summary>
public static class KerasFile
{
    private static ReadOnlySpan<byte> ZipSignature => "PK\u0003\u0004"u8;

    private static ReadOnlySpan<byte> Hdf5Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];

    /// <summary>The format of <paramref name="content"/>, from its first bytes.</summary>
    public static KerasFileFormat Detect(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(ZipSignature))
        {
            return KerasFileFormat.KerasZip;
        }

        if (content.StartsWith(Hdf5Signature))
        {
            return KerasFileFormat.Hdf5;
        }

        ReadOnlySpan<byte> text = content.StartsWith("\uFEFF"u8) ? content[3..] : content;
        int i = 0;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < text.Length && text[i] == (byte)'{' ? KerasFileFormat.Json : KerasFileFormat.Unknown;
    }

    /// <summary>The model configuration JSON of a Keras file: a <c>.keras</c> zip's <c>config.json</c>, a legacy HDF5 full
    /// model's root attribute <c>model_config</c>, or the JSON file itself.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a Keras model file, is damaged, breaks a bound (the message
    /// says which), or is an HDF5 file holding only weights (<c>save_weights</c>, Keras 3's <c>.weights.h5</c>).</exception>
    /// <exception cref="NotSupportedException">The file holds something recognised but not read.</exception>
    public static string ReadConfig(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        return ReadConfig(stream, Path.GetFileName(path));
    }

    /// <summary>As <see cref="ReadConfig(string)"/>, from a seekable stream; <paramref name="name"/> names it in messages.</summary>
    public static string ReadConfig(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[16];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        switch (Detect(head[..read]))
        {
            case KerasFileFormat.KerasZip:
                return ZipConfig(stream, name);
            case KerasFileFormat.Hdf5:
                if (stream.Length > KerasWeightsFile.MaxFileBytes)
                {
                    throw new InvalidDataException($"{name} holds {stream.Length} bytes, more than the {KerasWeightsFile.MaxFileBytes} read.");
                }

                return KerasWeightsFile.Guard(name, () => Hdf5WeightReader.ReadModelConfig(stream, name, KerasReadLimits.Default))
                    ?? throw new InvalidDataException($"{name} holds only weights (no model configuration): import the architecture from the model's .keras/.json file, then read these weights with model.LoadKerasWeights(path)");
            case KerasFileFormat.Json:
                if (stream.Length > KerasConfig.MaxConfigBytes)
                {
                    throw new InvalidDataException($"{name} holds {stream.Length} bytes of JSON, more than the {KerasConfig.MaxConfigBytes} read.");
                }

                using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true))
                {
                    return reader.ReadToEnd();
                }

            default:
                throw new InvalidDataException($"{name} is not a Keras model file: neither a .keras zip, HDF5, nor JSON.");
        }
    }

    /// <summary>A <c>.keras</c> zip's <c>config.json</c>, read to at most <see cref="KerasConfig.MaxConfigBytes"/> bytes
    /// whatever the entry claims (a zip bomb stops there).</summary>
    private static string ZipConfig(Stream stream, string name)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException($"{name} starts as a zip but is not a readable one: {exception.Message}", exception);
        }

        using (archive)
        {
            ZipArchiveEntry? entry = archive.GetEntry("config.json");
            if (entry is null)
            {
                throw new InvalidDataException($"{name} is a zip without config.json: not a Keras 3 .keras file.");
            }

            if (entry.Length > KerasConfig.MaxConfigBytes)
            {
                throw new InvalidDataException($"{name}: config.json claims {entry.Length} bytes, more than the {KerasConfig.MaxConfigBytes} read.");
            }

            try
            {
                using Stream content = entry.Open();
                using var text = new MemoryStream((int)Math.Min(entry.Length, KerasConfig.MaxConfigBytes));
                var chunk = new byte[81920];
                int n;
                while ((n = content.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (text.Length + n > KerasConfig.MaxConfigBytes)
                    {
                        throw new InvalidDataException($"{name}: config.json inflates past {KerasConfig.MaxConfigBytes} bytes.");
                    }

                    text.Write(chunk, 0, n);
                }

                return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
            }
            catch (InvalidDataException exception) when (!exception.Message.StartsWith(name, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{name}: config.json is damaged: {exception.Message}", exception);
            }
        }
    }
}
