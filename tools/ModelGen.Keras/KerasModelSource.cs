using System;
using System.IO;
using System.Text.Json;

namespace ModelGen.Keras;

/// <summary>What a Keras model file holds, read once: the architecture's JSON and, when the file has them, the weights
/// (with the training configuration of a legacy HDF5 file). The format is told from the content.</summary>
/// <param name="Config">The model configuration JSON (for a TensorFlow.js <c>model.json</c>, the whole file).</param>
/// <param name="Weights">The stored weights; null for a bare JSON configuration.</param>
public sealed record KerasModelSource(string Config, KerasWeightSet? Weights)
{
    /// <summary>Reads a <c>.keras</c> zip, a legacy HDF5 full model, a Keras JSON configuration or a TensorFlow.js
    /// <c>model.json</c> (with its shards).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">Not a Keras model file, damaged, beyond a bound, or weights only (the
    /// message says to import the architecture and use <see cref="KerasModelExtensions.LoadKerasWeights"/>).</exception>
    public static KerasModelSource Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileName(path);
        KerasFileFormat format;
        using (FileStream stream = File.OpenRead(path))
        {
            Span<byte> head = stackalloc byte[16];
            format = KerasFile.Detect(head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
            if (format == KerasFileFormat.Json && !HasWeightsManifest(stream, name))
            {
                stream.Position = 0;
                return new KerasModelSource(KerasFile.ReadConfig(stream, name), null);
            }
        }

        if (format == KerasFileFormat.Unknown)
        {
            throw new InvalidDataException($"{name} is not a Keras model file: neither a .keras zip, HDF5, nor JSON.");
        }

        KerasWeightSet weights = KerasWeightsFile.Read(path);
        string config = weights.ModelConfig ?? throw new InvalidDataException(
            $"{name} holds only weights (no model configuration): import the architecture from the model's .keras/.json file, then read these weights with model.LoadKerasWeights(path)");
        return new KerasModelSource(config, weights);
    }

    /// <summary>Whether a JSON file is a TensorFlow.js <c>model.json</c> with weights (a <c>weightsManifest</c>).</summary>
    private static bool HasWeightsManifest(Stream stream, string name)
    {
        if (stream.Length > KerasConfig.MaxConfigBytes)
        {
            throw new InvalidDataException($"{name} holds {stream.Length} bytes of JSON, more than the {KerasConfig.MaxConfigBytes} read.");
        }

        stream.Position = 0;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = KerasConfig.MaxDepth });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("weightsManifest", out _);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{name} is not valid JSON (or nests deeper than {KerasConfig.MaxDepth}): {exception.Message}", exception);
        }
    }
}
