using System.Collections.Generic;

namespace ModelGen.Keras;

/// <summary>The tensors of a Keras weights file, grouped by layer, with the configuration the file carries.</summary>
public sealed class KerasWeightSet
{
    internal KerasWeightSet(KerasWeightsLayout layout, IReadOnlyList<KerasLayerWeights> layers, string? modelConfig, string? trainingConfig, string? kerasVersion)
    {
        Layout = layout;
        Layers = layers;
        ModelConfig = modelConfig;
        TrainingConfig = trainingConfig;
        KerasVersion = kerasVersion;
    }

    /// <summary>The file's layout.</summary>
    public KerasWeightsLayout Layout { get; }

    /// <summary>The layers: in <c>layer_names</c> order for <see cref="KerasWeightsLayout.Legacy"/> (layers without
    /// weights included, with no tensors), in the model topology's order for <see cref="KerasWeightsLayout.TensorFlowJs"/>,
    /// and in natural group-name order (<c>dense</c>, <c>dense_1</c>, …, <c>dense_10</c>) for the Keras 3 layouts, whose
    /// groups are matched by name.</summary>
    public IReadOnlyList<KerasLayerWeights> Layers { get; }

    /// <summary>The model's configuration JSON when the file has one: a legacy HDF5 file's root attribute
    /// <c>model_config</c>, a <c>.keras</c> zip's <c>config.json</c>, or a TensorFlow.js <c>model.json</c>'s whole text;
    /// <see langword="null"/> for a weights-only file.</summary>
    public string? ModelConfig { get; }

    /// <summary>A legacy HDF5 file's root attribute <c>training_config</c>; <see langword="null"/> otherwise.</summary>
    public string? TrainingConfig { get; }

    /// <summary>The Keras version that wrote the file (<c>keras_version</c> attribute, <c>metadata.json</c>, or
    /// the TensorFlow.js topology's), when the file says.</summary>
    public string? KerasVersion { get; }

    /// <summary>The name (<c>layer/tensor</c>) of the first tensor holding a NaN or an infinity, or <see langword="null"/>
    /// when every value is finite. Reading such a file succeeds (the values are what the file holds); a caller that
    /// loads the weights into a model can refuse them with this.</summary>
    public string? FirstNonFinite()
    {
        foreach (KerasLayerWeights layer in Layers)
        {
            foreach (KerasTensor tensor in layer.Tensors)
            {
                foreach (float value in tensor.Values)
                {
                    if (!float.IsFinite(value))
                    {
                        return $"{layer.Name}/{tensor.Name}";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The number of stored values in all tensors.</summary>
    public long TotalElements()
    {
        long total = 0;
        foreach (KerasLayerWeights layer in Layers)
        {
            foreach (KerasTensor tensor in layer.Tensors)
            {
                total += tensor.Values.Length;
            }
        }

        return total;
    }
}
