using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelGen.Keras;

/// <summary>Keras's weight files for every generated model (SPEC §7): read a model retrained in Python without a new
/// import, and write weights Keras 3's <c>model.load_weights</c> reads.</summary>
public static class KerasModelExtensions
{
    /// <summary>
    /// Replaces the model's weights with those of a Keras file: a <c>.keras</c> zip, a legacy HDF5 full model or
    /// <c>save_weights</c> file, a Keras 3 <c>.weights.h5</c>, or a TensorFlow.js <c>model.json</c> (the format is told
    /// from the content). Layers are matched by order and type as Keras does; every tensor's shape is checked before any
    /// weight changes, and a mismatch names the layer, the expected and the found shape.
    /// </summary>
    /// <param name="model">The model to load into.</param>
    /// <param name="path">The Keras file.</param>
    /// <exception cref="InvalidDataException">The file is damaged, breaks a bound, or holds weights of another
    /// architecture; the model is unchanged.</exception>
    public static void LoadKerasWeights(this IModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        KerasWeightSet file = KerasWeightsFile.Read(path);
        model.SetWeights(KerasWeightMatcher.Match(model.Layers, file, Path.GetFileName(path)));
    }

    /// <summary>Writes the model's weights in Keras 3's <c>.weights.h5</c> layout (<c>layers/&lt;class&gt;[_n]/vars/&lt;i&gt;</c>),
    /// which Keras 3's <c>model.load_weights</c> reads into the same architecture.</summary>
    /// <param name="model">The model whose weights are written.</param>
    /// <param name="path">The file to create or overwrite (Keras wants the name to end in <c>.weights.h5</c>).</param>
    public static void SaveKerasWeights(this IModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        KerasWeightsFile.WriteKeras3(path, ToKeras3(model.Layers, model.GetWeights()));
    }

    /// <summary>The groups of a Keras 3 weights file for these layers and values (every layer gets its group, as Keras
    /// writes one for layers without weights too).</summary>
    /// <param name="layers">The layers (<see cref="IModel.Layers"/>).</param>
    /// <param name="values">Their weights in <see cref="IWeightsAccess.GetWeights"/>'s order.</param>
    public static IReadOnlyList<KerasLayerWeights> ToKeras3(IReadOnlyList<LayerInfo> layers, float[][] values)
    {
        string[] groups = KerasWeightMatcher.GroupNames(layers);
        var result = new List<KerasLayerWeights>(layers.Count);
        int next = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo layer = layers[i];
            var tensors = layer.Weights.Select((w, j) => new KerasTensor(KerasWeightMatcher.VariablePath(layer, j), w.Shape.ToArray(), values[next + j])).ToArray();
            next += tensors.Length;
            result.Add(new KerasLayerWeights(groups[i], tensors));
        }

        return result;
    }
}
