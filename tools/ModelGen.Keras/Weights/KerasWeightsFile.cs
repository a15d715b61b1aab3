using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ModelGen.Keras;

/// <summary>Reads the weights of Keras files and writes Keras 3's weight formats (SPEC §7), treating every file read
/// as untrusted: each failure is an <see cref="InvalidDataException"/> (a damaged or hostile file) or a
/// <see cref="NotSupportedException"/> (a recognised thing this library does not read, such as an int32 tensor), whose
/// message names the file and what is wrong; sizes are checked against the bounds below before anything is allocated.</summary>
/// <remarks>
/// <para>Known limit: HDF5 external links, external raw-data files and virtual datasets are features of HDF5 that Keras
/// never writes. Virtual datasets are refused; PureHDF follows external links and external data files, which an
/// HDF5 file can point at files that exist on this machine. Read Keras files from places you trust as much as their
/// authors.</para>
/// <para>Known limit: PureHDF 2.2.0 allocates a buffer of the length a structure claims before reading it, so a crafted
/// file can make one read allocate up to 2 GiB for a moment before it fails with an <see cref="InvalidDataException"/>
/// (an <see cref="OutOfMemoryException"/> there becomes one too). Tensor data is always checked against the bounds
/// before PureHDF reads it.</para>
/// </remarks>
public static class KerasWeightsFile
{
    /// <summary>The largest file read: 2 GiB (a <c>.keras</c> zip, an HDF5 file, or all of a TensorFlow.js model's shards together).</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>The most values one tensor may hold: 2^28 (1 GiB of float32). A shape claiming more is refused before
    /// anything is allocated.</summary>
    public const long MaxTensorElements = 1L << 28;

    /// <summary>The most values all the tensors of one file may hold together: 2^28 (1 GiB of float32).</summary>
    public const long MaxTotalElements = 1L << 28;

    /// <summary>The most bytes a <c>.keras</c> zip's <c>model.weights.h5</c> may inflate to (counted while inflating, not taken
    /// from the zip's headers): 2 GiB less one byte, the most one buffer holds.</summary>
    public const long MaxZipEntryBytes = int.MaxValue;

    /// <summary>The most dimensions a tensor may have.</summary>
    public const int MaxRank = 8;

    /// <summary>The Keras version that <see cref="WriteKerasZip"/> records in <c>metadata.json</c>: the Keras 3 release
    /// whose format these writers follow.</summary>
    public const string WrittenKerasVersion = "3.6.0";

    /// <summary>Reads the weights of a Keras file, telling its format from the content, not the extension: a
    /// <c>.keras</c> zip (Keras 3 or tf-keras 2.13–2.15), an HDF5 file (a legacy full model or <c>save_weights</c> file, or
    /// Keras 3's <c>.weights.h5</c>), or a TensorFlow.js Layers <c>model.json</c> (its shards read from beside it).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The layers' tensors, converted to float32, and the configuration the file carries.</returns>
    /// <exception cref="InvalidDataException">The file is not a Keras weights file (a plain JSON configuration holds no
    /// weights), is damaged, or breaks a bound (<see cref="MaxFileBytes"/>, <see cref="MaxTensorElements"/>,
    /// <see cref="MaxTotalElements"/>, <see cref="MaxZipEntryBytes"/>, <see cref="MaxRank"/>,
    /// <see cref="KerasConfig.MaxConfigBytes"/>); the message names the file and the problem.</exception>
    /// <exception cref="NotSupportedException">The file holds something recognised but not read: a tensor of a type other
    /// than float16, float32 or float64, a virtual dataset, a quantised TensorFlow.js weight of an unknown kind.</exception>
    /// <exception cref="IOException">The file itself cannot be opened (missing, no access).</exception>
    public static KerasWeightSet Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(path, KerasReadLimits.Default);
    }

    internal static KerasWeightSet Read(string path, KerasReadLimits limits)
    {
        string name = Path.GetFileName(path);
        using FileStream stream = File.OpenRead(path);
        return Guard(name, () =>
        {
            long length = stream.Length;
            if (length > limits.MaxFileBytes)
            {
                throw new InvalidDataException($"{name} holds {length} bytes, more than the {limits.MaxFileBytes} read.");
            }

            Span<byte> head = stackalloc byte[16];
            int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            switch (KerasFile.Detect(head[..read]))
            {
                case KerasFileFormat.KerasZip:
                    return ReadZip(stream, name, limits);
                case KerasFileFormat.Hdf5:
                    return Hdf5WeightReader.Read(stream, name, limits, zipConfig: null, zipVersion: null);
                case KerasFileFormat.Json:
                    return TfjsWeightReader.Read(stream, path, name, limits);
                default:
                    throw new InvalidDataException($"{name} is not a Keras weights file: neither a .keras zip, HDF5, nor a TensorFlow.js model.json.");
            }
        });
    }

    /// <summary>Runs a read, turning every exception into an <see cref="InvalidDataException"/> or
    /// <see cref="NotSupportedException"/> whose message starts with the file's name.</summary>
    internal static T Guard<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException exception) when (!exception.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: damaged file: {exception.Message}", exception);
        }
        catch (NotSupportedException exception) when (!exception.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"{name}: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is not (InvalidDataException or NotSupportedException))
        {
            // PureHDF, the zip reader and the JSON parser throw many types on damaged input (end of stream, index out of
            // range, overflow, format, out of memory for an absurd claim): each means the file is damaged.
            throw new InvalidDataException($"{name}: damaged or unreadable file ({exception.GetType().Name}: {exception.Message})", exception);
        }
    }

    private static KerasWeightSet ReadZip(Stream stream, string name, KerasReadLimits limits)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        ZipArchiveEntry? weights = archive.GetEntry("model.weights.h5");
        if (weights is null)
        {
            bool npz = archive.GetEntry("model.weights.npz") is not null;
            throw npz
                ? new NotSupportedException($"{name} keeps its weights as model.weights.npz (weights_format=\"npz\"): only model.weights.h5 is read; save the model with the default weights format.")
                : new InvalidDataException($"{name} is a zip without model.weights.h5: not a Keras .keras file with weights.");
        }

        string? config = archive.GetEntry("config.json") is { } configEntry
            ? Encoding.UTF8.GetString(Inflate(configEntry, name, limits.MaxConfigBytes).ToArray())
            : null;
        string? version = null;
        if (archive.GetEntry("metadata.json") is { } metadataEntry)
        {
            MemoryStream metadata = Inflate(metadataEntry, name, limits.MaxConfigBytes);
            try
            {
                using JsonDocument document = JsonDocument.Parse(metadata.ToArray(), new JsonDocumentOptions { MaxDepth = KerasConfig.MaxDepth });
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("keras_version", out JsonElement v)
                    && v.ValueKind == JsonValueKind.String)
                {
                    version = v.GetString();
                }
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"{name}: metadata.json is not JSON: {exception.Message}", exception);
            }
        }

        MemoryStream h5 = Inflate(weights, name, limits.MaxZipEntryBytes);
        string inner = name + "/model.weights.h5";
        return Guard(inner, () => Hdf5WeightReader.Read(h5, inner, limits, config, version));
    }

    /// <summary>A zip entry's content, counting the bytes while inflating: an entry that inflates past
    /// <paramref name="bound"/> (whatever its header claims) is refused when it gets there.</summary>
    private static MemoryStream Inflate(ZipArchiveEntry entry, string name, long bound)
    {
        if (entry.Length > bound)
        {
            throw new InvalidDataException($"{name}: {entry.FullName} claims {entry.Length} bytes, more than the {bound} read.");
        }

        var content = new MemoryStream((int)Math.Min(Math.Max(entry.Length, 0), 64L * 1024 * 1024));
        try
        {
            using Stream inflating = entry.Open();
            var chunk = new byte[81920];
            int n;
            while ((n = inflating.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (content.Length + n > bound)
                {
                    throw new InvalidDataException($"{name}: {entry.FullName} inflates past {bound} bytes, the most read (a zip bomb, or not a Keras file).");
                }

                content.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException exception) when (!exception.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: {entry.FullName} is damaged: {exception.Message}", exception);
        }

        content.Position = 0;
        return content;
    }

    /// <summary>Writes a Keras 3 <c>.weights.h5</c> file, which <c>keras.Model.load_weights</c> reads: for each layer the
    /// group <c>layers/&lt;Name&gt;/vars</c> (written even for a layer without tensors, as Keras does) holding each tensor
    /// at its <see cref="KerasTensor.Name"/> below the layer's group (<c>vars/0</c>, <c>vars/1</c>, …; a recurrent layer's
    /// <c>cell/vars/0</c>, …), as float32 datasets of the given shapes, and an empty root group <c>vars</c> (the model's
    /// own variables).</summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="layers">The layers, named after Keras 3's groups (<c>dense</c>, <c>dense_1</c>, …).</param>
    /// <exception cref="ArgumentException">A name is empty or repeated, a tensor's name is not <c>[path/]vars/&lt;i&gt;</c>,
    /// or its values do not fill its shape.</exception>
    public static void WriteKeras3(string path, IReadOnlyList<KerasLayerWeights> layers)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(layers);
        byte[] content = Keras3Writer.Write(layers);
        File.WriteAllBytes(path, content);
    }

    /// <summary>As <see cref="WriteKeras3(string, IReadOnlyList{KerasLayerWeights})"/>, to a stream (written from its
    /// current position).</summary>
    /// <param name="destination">The stream written to.</param>
    /// <param name="layers">The layers, named after Keras 3's groups.</param>
    public static void WriteKeras3(Stream destination, IReadOnlyList<KerasLayerWeights> layers)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(layers);
        byte[] content = Keras3Writer.Write(layers);
        destination.Write(content);
    }

    /// <summary>Writes a Keras 3 <c>.keras</c> zip that <c>keras.saving.load_model</c> reads: <c>metadata.json</c>
    /// (<c>keras_version</c> <see cref="WrittenKerasVersion"/>, <c>date_saved</c> now, in Keras's format),
    /// <c>config.json</c> (<paramref name="configJson"/> as given) and <c>model.weights.h5</c> (as
    /// <see cref="WriteKeras3(string, IReadOnlyList{KerasLayerWeights})"/> writes it), stored uncompressed as Keras does.</summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="configJson">The model's configuration (Keras 3's <c>config.json</c>).</param>
    /// <param name="layers">The layers, named after Keras 3's groups.</param>
    public static void WriteKerasZip(string path, string configJson, IReadOnlyList<KerasLayerWeights> layers)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(configJson);
        ArgumentNullException.ThrowIfNull(layers);
        byte[] weights = Keras3Writer.Write(layers);
        // As Python's json.dumps writes it.
        string saved = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture);
        string metadata = $"{{\"keras_version\": \"{WrittenKerasVersion}\", \"date_saved\": \"{saved}\"}}";
        using FileStream file = File.Create(path);
        using var archive = new ZipArchive(file, ZipArchiveMode.Create);
        AddEntry(archive, "metadata.json", Encoding.UTF8.GetBytes(metadata));
        AddEntry(archive, "config.json", Encoding.UTF8.GetBytes(configJson));
        AddEntry(archive, "model.weights.h5", weights);
    }

    private static void AddEntry(ZipArchive archive, string name, byte[] content)
    {
        ZipArchiveEntry entry = archive.CreateEntry(name, CompressionLevel.NoCompression);
        using Stream stream = entry.Open();
        stream.Write(content);
    }
}
