using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using PureHDF;

namespace ModelGen.Keras;

/// <summary>Builds Keras 3's <c>.weights.h5</c> layout with PureHDF's writer.</summary>
internal static class Keras3Writer
{
    public static byte[] Write(IReadOnlyList<KerasLayerWeights> layers)
    {
        var file = new H5File { ["vars"] = new H5Group() };
        var layersGroup = new H5Group();
        file["layers"] = layersGroup;
        foreach (KerasLayerWeights layer in layers)
        {
            ArgumentNullException.ThrowIfNull(layer, nameof(layers));
            CheckSegment(layer.Name, $"layer name '{layer.Name}'");
            if (layersGroup.ContainsKey(layer.Name))
            {
                throw new ArgumentException($"Layer '{layer.Name}' appears twice: each layer needs its own group.", nameof(layers));
            }

            var group = new H5Group { ["vars"] = new H5Group() };
            layersGroup[layer.Name] = group;
            var counts = new Dictionary<H5Group, SortedSet<int>>();
            foreach (KerasTensor tensor in layer.Tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor, nameof(layers));
                Add(group, layer.Name, tensor, counts);
            }

            foreach ((H5Group vars, SortedSet<int> indices) in counts)
            {
                if (indices.Count != indices.Max + 1)
                {
                    throw new ArgumentException($"Layer '{layer.Name}': its variables are numbered {string.Join(", ", indices)}; Keras reads vars/0 to vars/{indices.Count - 1} with none missing.", nameof(layers));
                }
            }
        }

        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    private static void Add(H5Group layerGroup, string layer, KerasTensor tensor, Dictionary<H5Group, SortedSet<int>> counts)
    {
        string where = $"Layer '{layer}', tensor '{tensor.Name}'";
        string[] parts = (tensor.Name ?? string.Empty).Split('/');
        if (parts.Length < 2 || parts[^2] != "vars" || !TryIndex(parts[^1], out int index))
        {
            throw new ArgumentException($"{where}: a tensor's name is its path below the layer's group, ending in vars/<i> (vars/0, cell/vars/1).", nameof(tensor));
        }

        H5Group group = layerGroup;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            CheckSegment(parts[i], where);
            if (!group.TryGetValue(parts[i], out object? child))
            {
                child = new H5Group();
                group[parts[i]] = child;
            }

            group = child as H5Group ?? throw new ArgumentException($"{where}: '{parts[i]}' is both a tensor and a group.", nameof(tensor));
        }

        if (group.ContainsKey(parts[^1]))
        {
            throw new ArgumentException($"{where}: appears twice.", nameof(tensor));
        }

        int[] shape = tensor.Shape ?? throw new ArgumentException($"{where}: no shape.", nameof(tensor));
        float[] values = tensor.Values ?? throw new ArgumentException($"{where}: no values.", nameof(tensor));
        if (shape.Length > KerasWeightsFile.MaxRank)
        {
            throw new ArgumentException($"{where}: rank {shape.Length}, more than {KerasWeightsFile.MaxRank}.", nameof(tensor));
        }

        long count = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"{where}: shape [{string.Join(", ", shape)}] has a dimension that is not positive.", nameof(tensor));
            }

            count *= dimension;
            if (count > KerasWeightsFile.MaxTensorElements)
            {
                throw new ArgumentException($"{where}: shape [{string.Join(", ", shape)}] holds more than {KerasWeightsFile.MaxTensorElements} values.", nameof(tensor));
            }
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"{where}: shape [{string.Join(", ", shape)}] holds {count} values, but {values.Length} are given.", nameof(tensor));
        }

        ulong[] dims = Array.ConvertAll(shape, d => (ulong)d);
        group[parts[^1]] = shape.Length == 0 ? new H5Dataset(values[0]) : new H5Dataset(values, fileDims: dims);
        if (!counts.TryGetValue(group, out SortedSet<int>? indices))
        {
            counts[group] = indices = [];
        }

        indices.Add(index);
    }

    private static void CheckSegment(string? segment, string where)
    {
        if (string.IsNullOrEmpty(segment) || segment.Contains('/') || segment is "." or "..")
        {
            throw new ArgumentException($"{where}: '{segment}' is not a valid HDF5 group name (empty, '.', '..' or containing '/').");
        }
    }

    /// <summary>A variable index as Keras writes it: decimal digits without a leading zero (<c>0</c>, <c>10</c>).</summary>
    internal static bool TryIndex(string text, out int index)
    {
        index = -1;
        if (text.Length == 0 || text.Length > 9 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        index = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
