// TEMPORARY: the API helper-5 builds on branch hdf5; deleted at the merge.
#pragma warning disable CS1591
using System.Collections.Generic;
using System.IO;
namespace ModelGen.Keras;
public sealed record KerasTensor(string Name, int[] Shape, float[] Values);
public sealed record KerasLayerWeights(string Name, IReadOnlyList<KerasTensor> Tensors);
public enum KerasWeightsLayout { Legacy, Keras3, TfKerasZip, TensorFlowJs }
public sealed class KerasWeightSet
{
    public KerasWeightSet(KerasWeightsLayout layout, IReadOnlyList<KerasLayerWeights> layers, string? modelConfig = null, string? trainingConfig = null, string? kerasVersion = null)
    { Layout = layout; Layers = layers; ModelConfig = modelConfig; TrainingConfig = trainingConfig; KerasVersion = kerasVersion; }
    public KerasWeightsLayout Layout { get; }
    public IReadOnlyList<KerasLayerWeights> Layers { get; }
    public string? ModelConfig { get; }
    public string? TrainingConfig { get; }
    public string? KerasVersion { get; }
}
public static class KerasWeightsFile
{
    public static KerasWeightSet Read(string path) => throw new System.NotImplementedException();
    public static void WriteKeras3(string path, IReadOnlyList<KerasLayerWeights> layers) => throw new System.NotImplementedException();
    public static void WriteKeras3(Stream destination, IReadOnlyList<KerasLayerWeights> layers) => throw new System.NotImplementedException();
    public static void WriteKerasZip(string path, string configJson, IReadOnlyList<KerasLayerWeights> layers) => throw new System.NotImplementedException();
}
