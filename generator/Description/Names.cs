using System;
using System.Collections.Generic;

namespace ModelGen.Generator.Description;

/// <summary>The Keras spellings of every name the front ends accept, in one place: the <c>.model</c> parser maps
/// text to kinds with these tables and the emitter and messages print kinds with them.</summary>
internal static class Names
{
    public static readonly IReadOnlyDictionary<string, ActivationKind> Activations = Table(
        ("linear", ActivationKind.Linear), ("relu", ActivationKind.Relu), ("tanh", ActivationKind.Tanh),
        ("sigmoid", ActivationKind.Sigmoid), ("softmax", ActivationKind.Softmax), ("elu", ActivationKind.Elu),
        ("leaky_relu", ActivationKind.LeakyRelu), ("gelu", ActivationKind.Gelu), ("swish", ActivationKind.Swish),
        ("selu", ActivationKind.Selu), ("softplus", ActivationKind.Softplus), ("hard_sigmoid", ActivationKind.HardSigmoid),
        ("hard_sigmoid_keras2", ActivationKind.HardSigmoidKeras2));

    public static readonly IReadOnlyDictionary<string, InitializerKind> Initializers = Table(
        ("zeros", InitializerKind.Zeros), ("ones", InitializerKind.Ones), ("uniform", InitializerKind.Uniform),
        ("glorot_uniform", InitializerKind.GlorotUniform), ("glorot_normal", InitializerKind.GlorotNormal),
        ("he_uniform", InitializerKind.HeUniform), ("he_normal", InitializerKind.HeNormal),
        ("lecun_uniform", InitializerKind.LecunUniform), ("lecun_normal", InitializerKind.LecunNormal),
        ("orthogonal", InitializerKind.Orthogonal));

    public static readonly IReadOnlyDictionary<string, LossKind> Losses = Table(
        ("binary_crossentropy", LossKind.BinaryCrossentropy),
        ("categorical_crossentropy", LossKind.CategoricalCrossentropy),
        ("sparse_categorical_crossentropy", LossKind.SparseCategoricalCrossentropy),
        ("mean_squared_error", LossKind.MeanSquaredError));

    public static readonly IReadOnlyDictionary<string, OptimizerKind> Optimizers = Table(
        ("sgd", OptimizerKind.Sgd), ("adam", OptimizerKind.Adam));

    public static readonly IReadOnlyDictionary<string, PaddingKind> Paddings = Table(
        ("valid", PaddingKind.Valid), ("same", PaddingKind.Same));

    public static readonly IReadOnlyDictionary<string, LayerKind> Layers = Table(
        ("dense", LayerKind.Dense), ("batch_normalization", LayerKind.BatchNormalization),
        ("activation", LayerKind.Activation), ("dropout", LayerKind.Dropout), ("conv2d", LayerKind.Conv2D),
        ("max_pooling2d", LayerKind.MaxPooling2D), ("flatten", LayerKind.Flatten), ("lstm", LayerKind.Lstm),
        ("conv1d", LayerKind.Conv1D), ("gru", LayerKind.Gru),
        ("average_pooling2d", LayerKind.AveragePooling2D), ("max_pooling1d", LayerKind.MaxPooling1D),
        ("average_pooling1d", LayerKind.AveragePooling1D), ("global_average_pooling1d", LayerKind.GlobalAveragePooling1D),
        ("global_max_pooling1d", LayerKind.GlobalMaxPooling1D), ("global_average_pooling2d", LayerKind.GlobalAveragePooling2D),
        ("global_max_pooling2d", LayerKind.GlobalMaxPooling2D));

    public static string Of(ActivationKind kind) => NameOf(Activations, kind);

    public static string Of(InitializerKind kind) => NameOf(Initializers, kind);

    public static string Of(LossKind kind) => NameOf(Losses, kind);

    public static string Of(OptimizerKind kind) => NameOf(Optimizers, kind);

    public static string Of(PaddingKind kind) => NameOf(Paddings, kind);

    public static string Of(LayerKind kind) => NameOf(Layers, kind);

    /// <summary>The Keras class name of a layer kind, as <c>model.summary()</c> prints it.</summary>
    public static string KerasClassOf(LayerKind kind) => kind switch
    {
        LayerKind.Dense => "Dense",
        LayerKind.BatchNormalization => "BatchNormalization",
        LayerKind.Activation => "Activation",
        LayerKind.Dropout => "Dropout",
        LayerKind.Conv2D => "Conv2D",
        LayerKind.MaxPooling2D => "MaxPooling2D",
        LayerKind.Flatten => "Flatten",
        LayerKind.Lstm => "LSTM",
        LayerKind.Conv1D => "Conv1D",
        LayerKind.Gru => "GRU",
        LayerKind.AveragePooling2D => "AveragePooling2D",
        LayerKind.MaxPooling1D => "MaxPooling1D",
        LayerKind.AveragePooling1D => "AveragePooling1D",
        LayerKind.GlobalAveragePooling1D => "GlobalAveragePooling1D",
        LayerKind.GlobalMaxPooling1D => "GlobalMaxPooling1D",
        LayerKind.GlobalAveragePooling2D => "GlobalAveragePooling2D",
        LayerKind.GlobalMaxPooling2D => "GlobalMaxPooling2D",
        _ => kind.ToString(),
    };

    /// <summary>Whether <paramref name="name"/> can name a layer: ASCII letters, digits and underscores, not starting with a
    /// digit, as C# members are made from it (<c>hidden_1</c> → <c>Hidden1Kernel</c>).</summary>
    public static bool IsIdentifier(string name)
    {
        bool valid = name.Length > 0 && !char.IsDigit(name[0]);
        foreach (char c in name)
        {
            valid &= c == '_' || (c < 128 && char.IsLetterOrDigit(c));
        }

        return valid;
    }

    /// <summary>The names of a table, for "expected one of ..." messages.</summary>
    public static string List<T>(IReadOnlyDictionary<string, T> table) => string.Join(", ", table.Keys);

    private static string NameOf<T>(IReadOnlyDictionary<string, T> table, T kind)
        where T : struct, Enum
    {
        foreach (KeyValuePair<string, T> pair in table)
        {
            if (EqualityComparer<T>.Default.Equals(pair.Value, kind))
            {
                return pair.Key;
            }
        }

        return kind.ToString();
    }

    private static IReadOnlyDictionary<string, T> Table<T>(params (string Name, T Kind)[] entries)
    {
        // Insertion order is kept by Dictionary as long as nothing is removed: "expected one of" lists read in this order.
        var table = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, T kind) in entries)
        {
            table.Add(name, kind);
        }

        return table;
    }
}
