using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using PureHDF;
using PureHDF.VOL.Native;

namespace ModelGen.Keras;

/// <summary>Reads the HDF5 weight layouts (legacy <c>model_weights</c>/<c>layer_names</c>, Keras 3's <c>layers/</c>,
/// tf-keras 2.13's <c>_layer_checkpoint_dependencies/</c>) with PureHDF, checking every size before reading.</summary>
internal static class Hdf5WeightReader
{
    /// <summary>Reads are charged against this many times the file's length (plus <see cref="ReadBudgetExtra"/>): a
    /// valid file needs a few; a file whose structures loop needs unboundedly many.</summary>
    private const long ReadBudgetFactor = 64;

    private const long ReadBudgetExtra = 64L * 1024 * 1024;

    /// <summary>Deflate inflates at most about 1032 to 1: a chunked dataset claiming more than this many times the
    /// file's length cannot be stored in it.</summary>
    private const long ChunkedExpansion = 1100;

    /// <summary>Groups below a Keras 3 layer's group that are visited (a layer, its cell, a wrapper's inner layers).</summary>
    private const int MaxNesting = 4;

    private const int MaxGroupsVisited = 100_000;

    private const int MaxNames = 1_000_000;

    public static KerasWeightSet Read(Stream stream, string name, KerasReadLimits limits, string? zipConfig, string? zipVersion)
    {
        long length = stream.Length;
        CheckNotTruncated(stream, name);
        using var budgeted = new BudgetStream(stream, (ReadBudgetFactor * length) + ReadBudgetExtra, name);
        using NativeFile file = H5File.Open(budgeted, leaveOpen: true);
        var reader = new Reader(name, limits, length);
        return reader.ReadFile(file, zipConfig, zipVersion);
    }

    /// <summary>A legacy full model's root attribute <c>model_config</c>, or <see langword="null"/> when the file has none
    /// (a weights-only file).</summary>
    public static string? ReadModelConfig(Stream stream, string name, KerasReadLimits limits)
    {
        long length = stream.Length;
        CheckNotTruncated(stream, name);
        using var budgeted = new BudgetStream(stream, (ReadBudgetFactor * length) + ReadBudgetExtra, name);
        using NativeFile file = H5File.Open(budgeted, leaveOpen: true);
        return new Reader(name, limits, length).ModelConfig(file);
    }

    /// <summary>
    /// Refuses a file shorter than its superblock's end-of-file address: a truncated download whose lost tail (often
    /// the model's later weights, or optimizer state) a lazy reader would otherwise never notice. The superblock is at
    /// offset 0 in Keras's files; versions 0/1 keep the address after the free-space address, 2/3 after the extension's.
    /// </summary>
    private static void CheckNotTruncated(Stream stream, string name)
    {
        long start = stream.Position;
        byte[] head = new byte[96];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        if (read < 16)
        {
            throw new InvalidDataException($"{name}: the HDF5 file ends inside its superblock ({read} bytes).");
        }

        int version = head[8];
        int offsetSize = version <= 1 ? head[13] : head[9];
        int baseAt = version switch { 0 => 24, 1 => 28, _ => 12 };
        int endAt = baseAt + (2 * offsetSize); // after the free-space (v0/1) or the extension's (v2/3) address
        if (version > 3 || offsetSize is not (2 or 4 or 8) || endAt + offsetSize > read)
        {
            return; // not a layout this check knows; the reader's own checks apply
        }

        ulong Address(int at) => offsetSize switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(at)),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(at)),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(at)),
        };

        ulong end = Address(baseAt) + Address(endAt);
        if (end != ulong.MaxValue && end > (ulong)(stream.Length - start))
        {
            throw new InvalidDataException($"{name} is truncated: its HDF5 superblock says the file has {end} bytes, it has {stream.Length - start}.");
        }
    }

    private sealed class Reader(string name, KerasReadLimits limits, long fileLength)
    {
        private long _total;
        private int _groupsVisited;

        public string? ModelConfig(NativeFile root) => StringAttribute(root, "model_config", "the root");

        public KerasWeightSet ReadFile(NativeFile root, string? zipConfig, string? zipVersion)
        {
            if (root.LinkExists("model_weights"))
            {
                NativeGroup weights = Group(root, "model_weights", "the root");
                string? config = StringAttribute(root, "model_config", "the root");
                string? training = StringAttribute(root, "training_config", "the root");
                string? version = StringAttribute(root, "keras_version", "the root") ?? StringAttribute(weights, "keras_version", "model_weights");
                return new KerasWeightSet(KerasWeightsLayout.Legacy, Legacy(weights, "model_weights"), config, training, version);
            }

            if (root.AttributeExists("layer_names") || root.AttributeExists("layer_names0"))
            {
                string? version = StringAttribute(root, "keras_version", "the root");
                return new KerasWeightSet(KerasWeightsLayout.Legacy, Legacy(root, "the root"), null, null, version);
            }

            // tf-keras zips also have a root 'vars' group: their own layout is looked for first.
            if (root.LinkExists("_layer_checkpoint_dependencies"))
            {
                IReadOnlyList<KerasLayerWeights> layers = Keras3(Group(root, "_layer_checkpoint_dependencies", "the root"), "_layer_checkpoint_dependencies");
                return new KerasWeightSet(KerasWeightsLayout.TfKerasZip, layers, zipConfig, null, zipVersion);
            }

            if (root.LinkExists("layers") || root.LinkExists("vars"))
            {
                IReadOnlyList<KerasLayerWeights> layers = root.LinkExists("layers") ? Keras3(Group(root, "layers", "the root"), "layers") : [];
                return new KerasWeightSet(KerasWeightsLayout.Keras3, layers, zipConfig, null, zipVersion);
            }

            if (root.AttributeExists("model_config"))
            {
                throw new InvalidDataException($"{name} holds a model configuration but no weights (no model_weights group).");
            }

            throw new InvalidDataException($"{name} is an HDF5 file but not a Keras weights file: it has no layers/ group (Keras 3), no model_weights group and no layer_names attribute (legacy Keras).");
        }

        /// <summary>Legacy: the layers that <c>layer_names</c> lists, each tensor where its <c>weight_names</c> entry
        /// says (a path below the layer's group, whatever the layer is named).</summary>
        private List<KerasLayerWeights> Legacy(NativeGroup group, string where)
        {
            List<string> layerNames = StringList(group, "layer_names", where)
                ?? throw new InvalidDataException($"{name}: {where} has no layer_names attribute.");
            var layers = new List<KerasLayerWeights>(Math.Min(layerNames.Count, 1024));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string layerName in layerNames)
            {
                CheckPath(layerName, $"layer_names entry '{layerName}'");
                if (!seen.Add(layerName))
                {
                    throw new InvalidDataException($"{name}: layer_names lists '{layerName}' twice.");
                }

                if (!group.LinkExists(layerName))
                {
                    throw new InvalidDataException($"{name}: layer_names lists '{layerName}', but {where} has no such group.");
                }

                NativeGroup layerGroup = Group(group, layerName, where);
                List<string> weightNames = StringList(layerGroup, "weight_names", $"layer '{layerName}'")
                    ?? throw new InvalidDataException($"{name}: layer '{layerName}' has no weight_names attribute.");
                var tensors = new List<KerasTensor>(Math.Min(weightNames.Count, 64));
                foreach (string weightName in weightNames)
                {
                    CheckPath(weightName, $"layer '{layerName}': weight_names entry '{weightName}'");
                    if (!layerGroup.LinkExists(weightName))
                    {
                        throw new InvalidDataException($"{name}: layer '{layerName}' lists weight '{weightName}' in weight_names, but its group holds no such dataset.");
                    }

                    if (layerGroup.Get(weightName) is not IH5Dataset dataset)
                    {
                        throw new InvalidDataException($"{name}: layer '{layerName}': weight '{weightName}' is not a dataset.");
                    }

                    tensors.Add(Tensor(dataset, weightName, $"layer '{layerName}', weight '{weightName}'"));
                }

                layers.Add(new KerasLayerWeights(layerName, tensors));
            }

            return layers;
        }

        /// <summary>Keras 3: one layer per group under <paramref name="layersGroup"/>, its tensors its own
        /// <c>vars/&lt;i&gt;</c> in numeric order, then its nested groups' (<c>cell/vars/&lt;i&gt;</c>) in name order.</summary>
        private List<KerasLayerWeights> Keras3(NativeGroup layersGroup, string where)
        {
            var layers = new List<KerasLayerWeights>();
            foreach ((string childName, IH5Object child) in Children(layersGroup, where))
            {
                if (child is not NativeGroup group)
                {
                    continue;
                }

                var tensors = new List<KerasTensor>();
                Collect(group, childName, string.Empty, 0, tensors);
                layers.Add(new KerasLayerWeights(childName, tensors));
            }

            layers.Sort((a, b) => NaturalCompare(a.Name, b.Name));
            return layers;
        }

        private void Collect(NativeGroup group, string layer, string prefix, int depth, List<KerasTensor> tensors)
        {
            List<(string Name, IH5Object Child)> children = Children(group, $"{layer}/{prefix}");
            foreach ((string childName, IH5Object child) in children)
            {
                if (childName == "vars" && child is NativeGroup vars)
                {
                    Vars(vars, layer, prefix + "vars/", tensors);
                }
            }

            if (depth >= MaxNesting)
            {
                return;
            }

            foreach ((string childName, IH5Object child) in children)
            {
                // Random-number state (Dropout's seed_generator/vars/0, a uint32 pair) is not a weight.
                if (childName != "vars" && child is NativeGroup inner && !childName.StartsWith("seed_generator", StringComparison.Ordinal))
                {
                    Collect(inner, layer, prefix + childName + "/", depth + 1, tensors);
                }
            }
        }

        private void Vars(NativeGroup vars, string layer, string prefix, List<KerasTensor> tensors)
        {
            var numbered = new SortedDictionary<int, IH5Dataset>();
            foreach ((string childName, IH5Object child) in Children(vars, $"{layer}/{prefix}"))
            {
                if (!Keras3Writer.TryIndex(childName, out int index))
                {
                    throw new InvalidDataException($"{name}: layer '{layer}': {prefix}{childName} is not a numbered variable (vars holds 0, 1, 2, …).");
                }

                numbered[index] = child as IH5Dataset
                    ?? throw new InvalidDataException($"{name}: layer '{layer}': {prefix}{childName} is not a dataset.");
            }

            int expected = 0;
            foreach ((int index, IH5Dataset dataset) in numbered)
            {
                if (index != expected)
                {
                    throw new InvalidDataException($"{name}: layer '{layer}': {prefix}{expected} is missing (the variables run 0 to {numbered.Count - 1} without gaps).");
                }

                string tensorName = prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                tensors.Add(Tensor(dataset, tensorName, $"layer '{layer}', {tensorName}"));
                expected++;
            }
        }

        private List<(string Name, IH5Object Child)> Children(NativeGroup group, string where)
        {
            if (++_groupsVisited > MaxGroupsVisited)
            {
                throw new InvalidDataException($"{name}: more than {MaxGroupsVisited} groups: not a Keras weights file (or its links loop).");
            }

            var children = new List<(string, IH5Object)>();
            foreach (IH5Object child in group.Children())
            {
                if (children.Count >= MaxNames)
                {
                    throw new InvalidDataException($"{name}: {where} holds more than {MaxNames} entries.");
                }

                if (child is IH5UnresolvedLink unresolved)
                {
                    throw new InvalidDataException($"{name}: {where}{unresolved.Name} is a link that does not resolve ({unresolved.Reason?.Message}).");
                }

                children.Add((child.Name, child));
            }

            children.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
            return children;
        }

        /// <summary>One dataset as float32, its shape, type, layout and size checked before anything is read.</summary>
        private KerasTensor Tensor(IH5Dataset dataset, string tensorName, string where)
        {
            IH5Dataspace space = dataset.Space;
            ulong[] dims = space.Type switch
            {
                H5DataspaceType.Scalar => [],
                H5DataspaceType.Simple => space.Dimensions,
                _ => throw new InvalidDataException($"{name}: {where} has no data (a null dataspace)."),
            };
            if (dims.Length > limits.MaxTensorElements || dims.Length > KerasWeightsFile.MaxRank)
            {
                throw new InvalidDataException($"{name}: {where} has {dims.Length} dimensions, more than the {KerasWeightsFile.MaxRank} read.");
            }

            ulong count = 1;
            foreach (ulong dimension in dims)
            {
                if (dimension == 0)
                {
                    throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", dims)}]: a dimension of 0 holds no weights.");
                }

                if (dimension > (ulong)limits.MaxTensorElements || count > (ulong)limits.MaxTensorElements / dimension)
                {
                    throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", dims)}], more than the {limits.MaxTensorElements} values read per tensor.");
                }

                count *= dimension;
            }

            IH5DataType type = dataset.Type;
            if (type.Class != H5DataTypeClass.FloatingPoint)
            {
                throw new NotSupportedException($"{name}: {where} holds {Describe(type)} values: only float16, float32 and float64 weights are read.");
            }

            if (dataset.AttributeExists("dtype"))
            {
                throw new NotSupportedException($"{name}: {where} is marked with a dtype attribute (bfloat16): only float16, float32 and float64 weights are read.");
            }

            int size = type.Size;
            if (size is not (2 or 4 or 8))
            {
                throw new NotSupportedException($"{name}: {where} holds {size * 8}-bit floating-point values: only float16, float32 and float64 weights are read.");
            }

            ulong declared = count * (ulong)size;
            H5DataLayoutClass layout = dataset.Layout.Class;
            switch (layout)
            {
                case H5DataLayoutClass.Compact or H5DataLayoutClass.Contiguous when declared > (ulong)fileLength:
                    throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", dims)}], {declared} bytes of data, but the file holds only {fileLength} bytes.");
                case H5DataLayoutClass.Chunked when declared > (ulong)fileLength * ChunkedExpansion:
                    throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", dims)}], {declared} bytes of data, more than any compression stores in a file of {fileLength} bytes.");
                case H5DataLayoutClass.VirtualStorage:
                    throw new NotSupportedException($"{name}: {where} is a virtual dataset (its data lives in other files): Keras never writes one, and it is not read.");
            }

            _total += (long)count;
            if (_total > limits.MaxTotalElements)
            {
                throw new InvalidDataException($"{name}: the tensors hold more than the {limits.MaxTotalElements} values read in all.");
            }

            float[] values;
            try
            {
                values = size switch
                {
                    4 => dataset.Read<float[]>(),
                    8 => Array.ConvertAll(dataset.Read<double[]>(), v => (float)v),
                    _ => Array.ConvertAll(dataset.Read<Half[]>(), v => (float)v),
                };
            }
            catch (Exception exception) when (exception.Message.Contains("Byte order", StringComparison.OrdinalIgnoreCase))
            {
                throw new NotSupportedException($"{name}: {where} holds big-endian values, which PureHDF does not convert: save the weights on a little-endian machine.", exception);
            }
            if ((ulong)values.Length != count)
            {
                throw new InvalidDataException($"{name}: {where} has shape [{string.Join(", ", dims)}] but {values.Length} values were read.");
            }

            return new KerasTensor(tensorName, Array.ConvertAll(dims, d => (int)d), values);
        }

        private NativeGroup Group(NativeGroup parent, string path, string where)
        {
            return parent.Get(path) as NativeGroup
                ?? throw new InvalidDataException($"{name}: {where}'s '{path}' is not a group.");
        }

        /// <summary>A string attribute (<c>model_config</c>, <c>keras_version</c>), or <see langword="null"/> when absent.</summary>
        private string? StringAttribute(NativeObject owner, string attribute, string where)
        {
            if (!owner.AttributeExists(attribute))
            {
                return null;
            }

            List<string> strings = Strings(owner.Attribute(attribute), attribute, where);
            return strings.Count == 1 ? strings[0] : throw new InvalidDataException($"{name}: {where}'s attribute {attribute} is not one string.");
        }

        /// <summary>A list attribute (<c>layer_names</c>, <c>weight_names</c>), read whole or from the numbered chunks
        /// (<c>layer_names0</c>, <c>layer_names1</c>, …) that Keras splits a long list into; <see langword="null"/> when absent.</summary>
        private List<string>? StringList(NativeObject owner, string attribute, string where)
        {
            if (owner.AttributeExists(attribute))
            {
                return Strings(owner.Attribute(attribute), attribute, where);
            }

            List<string>? all = null;
            for (int chunk = 0; owner.AttributeExists(attribute + chunk); chunk++)
            {
                all ??= [];
                all.AddRange(Strings(owner.Attribute(attribute + chunk), attribute + chunk, where));
                if (all.Count > MaxNames)
                {
                    throw new InvalidDataException($"{name}: {where}'s {attribute} lists more than {MaxNames} names.");
                }
            }

            return all;
        }

        private List<string> Strings(IH5Attribute attribute, string attributeName, string where)
        {
            ulong[] dims = attribute.Space.Type switch
            {
                H5DataspaceType.Scalar => [],
                H5DataspaceType.Simple => attribute.Space.Dimensions,
                _ => [0],
            };
            ulong count = 1;
            foreach (ulong dimension in dims)
            {
                if (dimension > MaxNames || count * dimension > MaxNames)
                {
                    throw new InvalidDataException($"{name}: {where}'s attribute {attributeName} claims more than {MaxNames} entries.");
                }

                count *= dimension;
            }

            if (count == 0)
            {
                // Keras writes an empty weight_names as an empty float64 array.
                return [];
            }

            IH5DataType type = attribute.Type;
            if (type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
            {
                throw new InvalidDataException($"{name}: {where}'s attribute {attributeName} holds {Describe(type)} values, not strings.");
            }

            if (type.Class == H5DataTypeClass.String && (ulong)type.Size * count > (ulong)limits.MaxConfigBytes)
            {
                throw new InvalidDataException($"{name}: {where}'s attribute {attributeName} claims {(ulong)type.Size * count} bytes, more than the {limits.MaxConfigBytes} read.");
            }

            List<string> strings = dims.Length == 0 ? [attribute.Read<string>()] : [.. attribute.Read<string[]>()];
            long bytes = 0;
            foreach (string text in strings)
            {
                bytes += text?.Length ?? 0;
            }

            if (bytes > limits.MaxConfigBytes)
            {
                throw new InvalidDataException($"{name}: {where}'s attribute {attributeName} holds {bytes} characters, more than the {limits.MaxConfigBytes} read.");
            }

            return strings.ConvertAll(s => (s ?? string.Empty).TrimEnd('\0'));
        }

        private void CheckPath(string path, string where)
        {
            if (path.Length == 0 || path.Length > 4096 || path[0] == '/' || path.EndsWith('/'))
            {
                throw new InvalidDataException($"{name}: {where} is not a path below its group.");
            }

            foreach (string segment in path.Split('/'))
            {
                if (segment is "" or "." or "..")
                {
                    throw new InvalidDataException($"{name}: {where} is not a path below its group.");
                }
            }
        }

        private static string Describe(IH5DataType type) => type.Class switch
        {
            H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{type.Size * 8}",
            H5DataTypeClass.BitField => $"{type.Size * 8}-bit bit-field",
            H5DataTypeClass.String or H5DataTypeClass.VariableLength => "string",
            var other => other.ToString().ToLowerInvariant(),
        };
    }

    /// <summary>Orders <c>dense</c>, <c>dense_1</c>, <c>dense_2</c>, …, <c>dense_10</c>: by the name less its
    /// <c>_&lt;n&gt;</c> suffix, then by n (none first).</summary>
    internal static int NaturalCompare(string a, string b)
    {
        (string baseA, long numberA) = Split(a);
        (string baseB, long numberB) = Split(b);
        int byBase = string.CompareOrdinal(baseA, baseB);
        return byBase != 0 ? byBase : numberA != numberB ? numberA.CompareTo(numberB) : string.CompareOrdinal(a, b);

        static (string, long) Split(string s)
        {
            int underscore = s.LastIndexOf('_');
            if (underscore > 0 && underscore < s.Length - 1 && s.Length - underscore <= 10)
            {
                long n = 0;
                for (int i = underscore + 1; i < s.Length; i++)
                {
                    if (s[i] is < '0' or > '9')
                    {
                        return (s, -1);
                    }

                    n = (n * 10) + (s[i] - '0');
                }

                return (s[..underscore], n);
            }

            return (s, -1);
        }
    }
}
