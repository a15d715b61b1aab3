using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ModelGen.Keras;

/// <summary>
/// Pairs a Keras file's stored tensors with a model's layers, as Keras's own loaders do, and checks every tensor before
/// anything is used: legacy HDF5 and TensorFlow.js files pair the layers that have weights in order (Keras's
/// <c>load_weights_from_hdf5_group</c>); Keras 3 <c>.weights.h5</c> files name each layer's group after its class with a
/// per-class counter (<c>dense</c>, <c>dense_1</c>, …), tf-keras 2.13–2.15 zips after the layer's name. A mismatch names
/// the first layer that differs, the expected and the found shape.
/// </summary>
public static class KerasWeightMatcher
{
    /// <summary>The file's tensors as arrays in the order of the layers' weights (<see cref="IWeightsAccess.GetWeights"/>'s).</summary>
    /// <param name="model">The layers to fill (<see cref="IModel.Layers"/>, or <see cref="KerasTranslation.Layers"/> before the class exists).</param>
    /// <param name="file">The file's weights.</param>
    /// <param name="fileName">Names the file in messages.</param>
    /// <exception cref="InvalidDataException">The file's weights do not fit the layers, or hold NaN or infinity.</exception>
    public static float[][] Match(IReadOnlyList<LayerInfo> model, KerasWeightSet file, string fileName)
    {
        var tensors = new List<float[]>();
        if (file.Layout == KerasWeightsLayout.TfKerasZip && !model.Where(l => l.Weights.Count > 0).All(l => file.Layers.Any(g => g.Name == l.Name)))
        {
            // tf-keras 2.13–2.15 name groups after the layer objects' names when saved, which can differ from the
            // configuration's (a model built twice in one session: dense, dense_2 for the config's dense, dense_1): the
            // groups, in natural order, are then the layers with weights in order.
            MatchInOrder(model, file, fileName, tensors);
        }
        else if (file.Layout is KerasWeightsLayout.Keras3 or KerasWeightsLayout.TfKerasZip)
        {
            MatchByGroup(model, file, fileName, tensors);
        }
        else
        {
            MatchInOrder(model, file, fileName, tensors);
        }

        return tensors.ToArray();
    }

    /// <summary>The group a Keras 3 file stores each layer under: its class in snake_case (Keras's <c>to_snake_case</c>)
    /// with a counter per class, over every layer in order.</summary>
    public static string[] GroupNames(IReadOnlyList<LayerInfo> model)
    {
        var counts = new Dictionary<string, int>();
        var names = new string[model.Count];
        for (int i = 0; i < model.Count; i++)
        {
            string key = SnakeCase(model[i].KerasClass);
            counts[key] = counts.TryGetValue(key, out int seen) ? seen + 1 : 1;
            names[i] = seen == 0 ? key : $"{key}_{seen}";
        }

        return names;
    }

    /// <summary>The path below a layer's group where Keras 3 keeps its <paramref name="index"/>-th variable (recurrent
    /// layers keep theirs in the cell).</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="index">The variable's index among the layer's weights.</param>
    public static string VariablePath(LayerInfo layer, int index) =>
        (layer.KerasClass is "LSTM" or "GRU" or "SimpleRNN" ? "cell/vars/" : "vars/") + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Keras's <c>naming.to_snake_case</c>: <c>BatchNormalization</c> → <c>batch_normalization</c>, <c>Conv2D</c> →
    /// <c>conv2d</c>, <c>LSTM</c> → <c>lstm</c>.</summary>
    /// <param name="name">A class name.</param>
    public static string SnakeCase(string name)
    {
        // (.)([A-Z][a-z]+) → \1_\2, then ([a-z])([A-Z]) → \1_\2, then lower case.
        var first = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && i + 1 < name.Length && char.IsLower(name[i + 1]))
            {
                first.Append('_');
            }

            first.Append(name[i]);
        }

        var second = new StringBuilder();
        for (int i = 0; i < first.Length; i++)
        {
            if (i > 0 && char.IsUpper(first[i]) && char.IsLower(first[i - 1]))
            {
                second.Append('_');
            }

            second.Append(first[i]);
        }

        return second.ToString().ToLowerInvariant();
    }

    private static void MatchByGroup(IReadOnlyList<LayerInfo> model, KerasWeightSet file, string fileName, List<float[]> tensors)
    {
        var groups = new Dictionary<string, KerasLayerWeights>(StringComparer.Ordinal);
        foreach (KerasLayerWeights group in file.Layers)
        {
            groups.TryAdd(group.Name, group);
        }

        string[] keys = GroupNames(model);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < model.Count; i++)
        {
            LayerInfo layer = model[i];
            if (layer.Weights.Count == 0)
            {
                continue;
            }

            // tf-keras 2.13–2.15 name the group after the layer; Keras 3 after the class and a counter.
            KerasLayerWeights? group = file.Layout == KerasWeightsLayout.TfKerasZip && groups.TryGetValue(layer.Name, out KerasLayerWeights? named) ? named
                : groups.TryGetValue(keys[i], out KerasLayerWeights? counted) ? counted
                : null;
            if (group is null)
            {
                throw Mismatch(fileName, layer, $"the file has no weights for it (no group 'layers/{keys[i]}'; the file's groups with weights: {Names(file.Layers.Where(l => l.Tensors.Count > 0).Select(l => l.Name))})");
            }

            used.Add(group.Name);
            Take(layer, group, fileName, tensors);
        }

        KerasLayerWeights? extra = file.Layers.FirstOrDefault(l => l.Tensors.Count > 0 && !used.Contains(l.Name));
        if (extra is not null)
        {
            throw new InvalidDataException($"{fileName}: the file has weights for a layer the model does not have (group 'layers/{extra.Name}', {extra.Tensors.Count} tensors): it was saved from another architecture.");
        }
    }

    private static void MatchInOrder(IReadOnlyList<LayerInfo> model, KerasWeightSet file, string fileName, List<float[]> tensors)
    {
        LayerInfo[] layers = model.Where(l => l.Weights.Count > 0).ToArray();
        KerasLayerWeights[] stored = file.Layers.Where(l => l.Tensors.Count > 0).ToArray();
        Dictionary<string, string> classes = FileClasses(file.ModelConfig);
        for (int i = 0; i < Math.Min(layers.Length, stored.Length); i++)
        {
            if (classes.TryGetValue(stored[i].Name, out string? fileClass) && Canonical(fileClass) != layers[i].KerasClass)
            {
                throw Mismatch(fileName, layers[i], $"the file's layer {i + 1} with weights is '{stored[i].Name}', a {fileClass}");
            }
        }

        if (layers.Length != stored.Length)
        {
            string which = layers.Length > stored.Length
                ? $"the model's '{layers[stored.Length].Name}' ({layers[stored.Length].KerasClass}) has none in the file"
                : $"the file's '{stored[layers.Length].Name}' has no layer in the model";
            throw new InvalidDataException($"{fileName}: the file has weights for {stored.Length} layers ({Names(stored.Select(l => l.Name))}), the model has {layers.Length} layers with weights ({Names(layers.Select(l => l.Name))}): {which}.");
        }

        for (int i = 0; i < layers.Length; i++)
        {
            Take(layers[i], stored[i], fileName, tensors);
        }
    }

    /// <summary>One layer's tensors, converted where an older Keras stored them differently, and checked.</summary>
    private static void Take(LayerInfo layer, KerasLayerWeights group, string fileName, List<float[]> tensors)
    {
        IReadOnlyList<KerasTensor> found = group.Tensors;
        if (layer.KerasClass == "LSTM" && found.Count == 12)
        {
            found = Keras1Lstm(found);
        }

        if (found.Count != layer.Weights.Count)
        {
            throw Mismatch(fileName, layer, $"the model has {layer.Weights.Count} tensors ({string.Join(", ", layer.Weights.Select(w => w.Name + " " + w.ShapeText))}), the file's '{group.Name}' {found.Count} ({string.Join(", ", found.Select(t => t.Name + " " + ShapeText(t.Shape)))})");
        }

        for (int j = 0; j < found.Count; j++)
        {
            WeightInfo expected = layer.Weights[j];
            KerasTensor tensor = found[j];
            if (!expected.Shape.SequenceEqual(tensor.Shape))
            {
                throw Mismatch(fileName, layer, $"{expected.Name} is {expected.ShapeText} in the model, {ShapeText(tensor.Shape)} in the file ('{tensor.Name}')");
            }

            if (tensor.Values.Length != expected.Length)
            {
                throw Mismatch(fileName, layer, $"'{tensor.Name}' holds {tensor.Values.Length} values for the shape {ShapeText(tensor.Shape)}");
            }

            int bad = Array.FindIndex(tensor.Values, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw Mismatch(fileName, layer, $"{expected.Name} ('{tensor.Name}') holds {tensor.Values[bad]} at index {bad}: the file's weights are not usable");
            }

            tensors.Add(tensor.Values);
        }
    }

    /// <summary>Keras 1's LSTM stores twelve tensors, gate by gate (W, U, b of i, c, f, o); Keras 2 and ModelGen concatenate
    /// the gates i, f, c, o along the last axis of kernel, recurrent_kernel and bias (Keras 2's own conversion).</summary>
    private static KerasTensor[] Keras1Lstm(IReadOnlyList<KerasTensor> t)
    {
        int[] order = [0, 2, 1, 3]; // i, f, c, o out of the stored i, c, f, o
        KerasTensor Concat(int part, string name) => ConcatLastAxis(order.Select(g => t[3 * g + part]).ToArray(), name);
        return [Concat(0, "kernel"), Concat(1, "recurrent_kernel"), Concat(2, "bias")];
    }

    private static KerasTensor ConcatLastAxis(KerasTensor[] parts, string name)
    {
        int rows = parts[0].Values.Length / Math.Max(parts[0].Shape[^1], 1);
        if (parts.Any(p => p.Shape.Length != parts[0].Shape.Length || p.Values.Length / Math.Max(p.Shape[^1], 1) != rows))
        {
            return parts[0]; // not Keras 1's layout: the shape check then reports the file's tensors as they are
        }

        int width = parts.Sum(p => p.Shape[^1]);
        var values = new float[rows * width];
        int column = 0;
        foreach (KerasTensor part in parts)
        {
            int w = part.Shape[^1];
            for (int r = 0; r < rows; r++)
            {
                Array.Copy(part.Values, r * w, values, r * width + column, w);
            }

            column += w;
        }

        return new KerasTensor(name, [.. parts[0].Shape[..^1], width], values);
    }

    /// <summary>Layer name → class from the file's model configuration, when it has one (to name a mismatch precisely).</summary>
    private static Dictionary<string, string> FileClasses(string? modelConfig)
    {
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (modelConfig is null)
        {
            return classes;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(modelConfig, new JsonDocumentOptions { MaxDepth = KerasConfig.MaxDepth });
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("modelTopology", out JsonElement topology) && topology.ValueKind == JsonValueKind.Object)
            {
                root = topology.TryGetProperty("model_config", out JsonElement inner) ? inner : topology;
            }

            JsonElement config = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("config", out JsonElement c) ? c : default;
            JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
                : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out JsonElement l) ? l : default;
            if (layers.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement layer in layers.EnumerateArray())
                {
                    string? className = KerasJson.Text(layer, "class_name");
                    string? name = KerasJson.Text(layer, "name") ?? (layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("config", out JsonElement lc) ? KerasJson.Text(lc, "name") : null);
                    if (className is not null && name is not null)
                    {
                        classes.TryAdd(name, className);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The configuration only sharpens messages; the shapes are checked regardless.
        }

        return classes;
    }

    private static string Canonical(string kerasClass) => kerasClass switch
    {
        "Convolution2D" => "Conv2D",
        "Convolution1D" => "Conv1D",
        "MaxPool2D" => "MaxPooling2D",
        _ => kerasClass,
    };

    private static InvalidDataException Mismatch(string fileName, LayerInfo layer, string what) =>
        new($"{fileName}: layer '{layer.Name}' ({layer.KerasClass}): {what}. Nothing was changed.");

    private static string Names(IEnumerable<string> names) => string.Join(", ", names);

    private static string ShapeText(int[] shape) => "(" + string.Join(", ", shape) + (shape.Length == 1 ? ",)" : ")");
}
