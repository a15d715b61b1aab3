using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace ModelGen.Keras;

/// <summary>Reads a TensorFlow.js Layers <c>model.json</c>'s <c>weightsManifest</c> and the binary shards beside it:
/// each manifest group's shards are concatenated in order and its weights read from them one after another.</summary>
internal static class TfjsWeightReader
{
    public static KerasWeightSet Read(Stream stream, string path, string name, KerasReadLimits limits)
    {
        if (stream.Length > limits.MaxConfigBytes)
        {
            throw new InvalidDataException($"{name} holds {stream.Length} bytes of JSON, more than the {limits.MaxConfigBytes} read.");
        }

        string text;
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true))
        {
            text = reader.ReadToEnd();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = KerasConfig.MaxDepth });
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{name} is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weightsManifest", out JsonElement manifest))
            {
                throw new InvalidDataException($"{name} holds no weights: it is a Keras model configuration (the architecture only). Read the weights from the model's .keras, .h5 or TensorFlow.js model.json file.");
            }

            if (manifest.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{name}: weightsManifest is not a list.");
            }

            string? version = null;
            List<string>? layerNames = null;
            if (root.TryGetProperty("modelTopology", out JsonElement topology) && topology.ValueKind == JsonValueKind.Object)
            {
                version = String(topology, "keras_version");
                JsonElement model = topology.TryGetProperty("model_config", out JsonElement inner) && inner.ValueKind == JsonValueKind.Object ? inner : topology;
                layerNames = LayerNames(model);
            }

            string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            var tensors = new List<KerasTensor>();
            long total = 0;
            foreach (JsonElement group in manifest.EnumerateArray())
            {
                ReadGroup(group, folder, name, limits, tensors, ref total);
            }

            return new KerasWeightSet(KerasWeightsLayout.TensorFlowJs, Group(tensors, layerNames, name), text, null, version);
        }
    }

    private static void ReadGroup(JsonElement group, string folder, string name, KerasReadLimits limits, List<KerasTensor> tensors, ref long total)
    {
        if (group.ValueKind != JsonValueKind.Object
            || !group.TryGetProperty("paths", out JsonElement paths) || paths.ValueKind != JsonValueKind.Array
            || !group.TryGetProperty("weights", out JsonElement weights) || weights.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{name}: a weightsManifest entry lacks its paths or weights list.");
        }

        var files = new List<string>();
        long available = 0;
        foreach (JsonElement entry in paths.EnumerateArray())
        {
            string shard = entry.ValueKind == JsonValueKind.String ? entry.GetString()! : throw new InvalidDataException($"{name}: a shard path is not a string.");
            string full = Path.GetFullPath(Path.Combine(folder, shard));
            if (shard.Length == 0 || Path.IsPathRooted(shard) || !full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{name}: shard path '{shard}' does not name a file beside model.json.");
            }

            if (!File.Exists(full))
            {
                throw new InvalidDataException($"{name}: weight shard '{shard}' is missing (it belongs beside model.json).");
            }

            available += new FileInfo(full).Length;
            if (available > limits.MaxFileBytes)
            {
                throw new InvalidDataException($"{name}: the weight shards hold more than the {limits.MaxFileBytes} bytes read.");
            }

            files.Add(full);
        }

        using var shards = new ShardReader(files);
        foreach (JsonElement weight in weights.EnumerateArray())
        {
            if (weight.ValueKind != JsonValueKind.Object || String(weight, "name") is not { Length: > 0 } tensorName)
            {
                throw new InvalidDataException($"{name}: a weightsManifest weight has no name.");
            }

            string where = $"weight '{tensorName}'";
            int[] shape = Shape(weight, name, where, limits);
            long count = 1;
            foreach (int dimension in shape)
            {
                count *= dimension;
                if (count > limits.MaxTensorElements)
                {
                    throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", shape)}], more than the {limits.MaxTensorElements} values read per tensor.");
                }
            }

            total += count;
            if (total > limits.MaxTotalElements)
            {
                throw new InvalidDataException($"{name}: the weights hold more than the {limits.MaxTotalElements} values read in all.");
            }

            string dtype = String(weight, "dtype") ?? "float32";
            string storage = dtype;
            double scale = 1, min = 0;
            if (weight.TryGetProperty("quantization", out JsonElement quantization) && quantization.ValueKind == JsonValueKind.Object)
            {
                storage = String(quantization, "dtype") ?? throw new InvalidDataException($"{name}: {where}'s quantization has no dtype.");
                if (storage is "uint8" or "uint16")
                {
                    scale = Number(quantization, "scale", name, where);
                    min = Number(quantization, "min", name, where);
                }
            }

            // Optimizer state saved with the model (tfjs's includeOptimizer marks it "group": "optimizer", e.g. the int32
            // step counter 'iter') is not a model weight: its bytes are skipped.
            if (String(weight, "group") == "optimizer" && storage is "float32" or "int32")
            {
                if (!shards.ReadExactly(new byte[count * 4]))
                {
                    throw new InvalidDataException($"{name}: the weight shards end before {where}'s {count * 4} bytes (the shards are shorter than the manifest says).");
                }

                continue;
            }

            if (dtype != "float32")
            {
                throw new NotSupportedException($"{name}: {where} holds {dtype} values: only float32 weights are read.");
            }

            int size = storage switch
            {
                "float32" => 4,
                "float16" or "uint16" => 2,
                "uint8" => 1,
                _ => throw new NotSupportedException($"{name}: {where} is quantised as {storage}: only uint8, uint16 and float16 quantisation is read."),
            };
            byte[] bytes = new byte[count * size];
            if (!shards.ReadExactly(bytes))
            {
                throw new InvalidDataException($"{name}: the weight shards end before {where}'s {bytes.Length} bytes (the shards are shorter than the manifest says).");
            }

            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = storage switch
                {
                    "float32" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)),
                    "float16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
                    "uint16" => (float)((BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) * scale) + min),
                    _ => (float)((bytes[i] * scale) + min),
                };
            }

            tensors.Add(new KerasTensor(tensorName, shape, values));
        }
    }

    /// <summary>The tensors grouped by layer: each goes to the first layer of the topology named by a segment of its
    /// name (<c>dense/kernel</c> → <c>dense</c>); layers in the topology's order, those without weights included.
    /// Without a topology, the first segment names the layer.</summary>
    private static List<KerasLayerWeights> Group(List<KerasTensor> tensors, List<string>? layerNames, string name)
    {
        var byLayer = new Dictionary<string, List<KerasTensor>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (string layer in layerNames ?? [])
        {
            if (byLayer.TryAdd(layer, []))
            {
                order.Add(layer);
            }
        }

        foreach (KerasTensor tensor in tensors)
        {
            string[] segments = tensor.Name.Split('/');
            string? owner = null;
            if (layerNames is null)
            {
                owner = segments[0];
                if (byLayer.TryAdd(owner, []))
                {
                    order.Add(owner);
                }
            }
            else
            {
                for (int i = 0; i < segments.Length - 1 && owner is null; i++)
                {
                    if (byLayer.ContainsKey(segments[i]))
                    {
                        owner = segments[i];
                    }
                }
            }

            if (owner is null)
            {
                throw new InvalidDataException($"{name}: weight '{tensor.Name}' belongs to no layer of modelTopology (its name does not start with a layer's name).");
            }

            byLayer[owner].Add(tensor);
        }

        return order.ConvertAll(layer => new KerasLayerWeights(layer, byLayer[layer]));
    }

    private static List<string>? LayerNames(JsonElement model)
    {
        if (!model.TryGetProperty("config", out JsonElement config))
        {
            return null;
        }

        // Keras 2.0's Sequential: "config" is the list of layers itself.
        JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
            : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out JsonElement list) && list.ValueKind == JsonValueKind.Array ? list
            : default;
        if (layers.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var names = new List<string>();
        foreach (JsonElement layer in layers.EnumerateArray())
        {
            if (layer.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            string? layerName = layer.TryGetProperty("config", out JsonElement layerConfig) && layerConfig.ValueKind == JsonValueKind.Object
                ? String(layerConfig, "name")
                : null;
            layerName ??= String(layer, "name");
            if (layerName is not null)
            {
                names.Add(layerName);
            }
        }

        return names;
    }

    private static int[] Shape(JsonElement weight, string name, string where, KerasReadLimits limits)
    {
        if (!weight.TryGetProperty("shape", out JsonElement shape) || shape.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{name}: {where} has no shape.");
        }

        int rank = shape.GetArrayLength();
        if (rank > KerasWeightsFile.MaxRank)
        {
            throw new InvalidDataException($"{name}: {where} has {rank} dimensions, more than the {KerasWeightsFile.MaxRank} read.");
        }

        var dims = new int[rank];
        int i = 0;
        foreach (JsonElement dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long value) || value <= 0 || value > limits.MaxTensorElements)
            {
                throw new InvalidDataException($"{name}: {where} has shape {shape.GetRawText()}: each dimension must be a positive whole number at most {limits.MaxTensorElements}.");
            }

            dims[i++] = (int)value;
        }

        return dims;
    }

    private static string? String(JsonElement owner, string property) =>
        owner.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double Number(JsonElement owner, string property, string name, string where) =>
        owner.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble())
            ? value.GetDouble()
            : throw new InvalidDataException($"{name}: {where}'s quantization lacks a finite {property}.");

    /// <summary>A manifest group's shards read as one stream, each file opened when reached.</summary>
    private sealed class ShardReader(List<string> files) : IDisposable
    {
        private int _next;
        private FileStream? _current;

        public bool ReadExactly(Span<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                if (_current is null)
                {
                    if (_next >= files.Count)
                    {
                        return false;
                    }

                    _current = File.OpenRead(files[_next++]);
                }

                int n = _current.Read(buffer);
                if (n == 0)
                {
                    _current.Dispose();
                    _current = null;
                    continue;
                }

                buffer = buffer[n..];
            }

            return true;
        }

        public void Dispose() => _current?.Dispose();
    }
}
