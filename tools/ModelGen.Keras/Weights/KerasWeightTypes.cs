using System.Collections.Generic;

namespace ModelGen.Keras;

/// <summary>One stored tensor of a Keras weights file.</summary>
/// <param name="Name">Its name in the file: in the legacy HDF5 layouts the entry of the layer's <c>weight_names</c>
/// (<c>dense_1/kernel:0</c>; a path below the layer's group); in Keras 3's layout the path below the layer's group
/// (<c>vars/0</c>, <c>cell/vars/1</c>); in TensorFlow.js the manifest's name (<c>dense/kernel</c>).</param>
/// <param name="Shape">The shape as stored (row-major; empty for a scalar).</param>
/// <param name="Values">The values, row-major, converted to float32 (float64 and float16 are converted; other types are refused).</param>
public sealed record KerasTensor(string Name, int[] Shape, float[] Values);

/// <summary>One layer's tensors, in the file's order.</summary>
/// <param name="Name">The layer's name in the file: in the legacy layouts and TensorFlow.js the layer's own name; in
/// Keras 3's layout the name of its group under <c>layers/</c> (the class name with a per-class counter: <c>dense</c>,
/// <c>dense_1</c>, whatever the layer's own name).</param>
/// <param name="Tensors">Its tensors in the file's order (empty for a layer without weights).</param>
public sealed record KerasLayerWeights(string Name, IReadOnlyList<KerasTensor> Tensors);

/// <summary>How a Keras weights file lays out its tensors.</summary>
public enum KerasWeightsLayout
{
    /// <summary>Keras 1.2 to 3's HDF5 format (<c>model.save("m.h5")</c> or <c>save_weights("w.h5")</c>): layers named by
    /// <c>layer_names</c>, tensors by each layer's <c>weight_names</c>.</summary>
    Legacy,

    /// <summary>Keras 3's <c>.weights.h5</c> (alone or as a <c>.keras</c> zip's <c>model.weights.h5</c>):
    /// <c>layers/&lt;group&gt;/vars/&lt;i&gt;</c>.</summary>
    Keras3,

    /// <summary>tf-keras 2.13–2.15's <c>.keras</c> zip: <c>_layer_checkpoint_dependencies/&lt;name&gt;/vars/&lt;i&gt;</c>.</summary>
    TfKerasZip,

    /// <summary>A TensorFlow.js Layers <c>model.json</c> with its binary weight shards.</summary>
    TensorFlowJs,
}
