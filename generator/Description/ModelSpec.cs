using ModelGen.Generator.Common;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.Description;

// The model description: what both front ends produce and everything after them consumes. Only strings, enums,
// numbers and EquatableArrays: no symbols, syntax or locations, so that equal models compare equal whichever
// front end read them and the incremental pipeline can cache every stage. Defaults are resolved by the front
// ends (Keras's), so an omitted key and the same value written out give equal descriptions.

/// <summary>A model as the user defined it: input, layers in order, and the optional compile step.</summary>
internal sealed record ModelSpec(InputSpec? Input, EquatableArray<LayerSpec> Layers, CompileSpec? Compile);

/// <summary>The shape of one input sample: rank 1 (features), 2 (timesteps x features) or 3 (height x width x channels).</summary>
internal sealed record InputSpec(EquatableArray<int> Shape);

/// <summary>One layer. Each kind of layer is a sealed record below; records compare by kind and values.</summary>
internal abstract record LayerSpec
{
    public abstract LayerKind Kind { get; }

    /// <summary>The layer's name as written (<c>name=</c>, Keras's layer name), or null for Keras's automatic name
    /// (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; init; }
}

internal sealed record DenseSpec(
    int Units,
    ActivationKind Activation,
    bool UseBias,
    InitializerKind KernelInitializer,
    InitializerKind BiasInitializer) : LayerSpec
{
    public override LayerKind Kind => LayerKind.Dense;
}

internal sealed record BatchNormalizationSpec(double Momentum, double Epsilon, bool Center, bool Scale) : LayerSpec
{
    public const double DefaultMomentum = KerasDefaults.BatchNormalizationMomentum;
    public const double DefaultEpsilon = KerasDefaults.BatchNormalizationEpsilon;

    public override LayerKind Kind => LayerKind.BatchNormalization;
}

internal sealed record ActivationSpec(ActivationKind Activation) : LayerSpec
{
    public override LayerKind Kind => LayerKind.Activation;
}

/// <summary>Dropout; <see cref="Seed"/> is null when the layer's stream derives from the model's seed.</summary>
internal sealed record DropoutSpec(double Rate, int? Seed) : LayerSpec
{
    public override LayerKind Kind => LayerKind.Dropout;
}

internal sealed record Conv2DSpec(
    int Filters,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    PaddingKind Padding,
    ActivationKind Activation,
    bool UseBias,
    InitializerKind KernelInitializer,
    InitializerKind BiasInitializer) : LayerSpec
{
    /// <summary>A Keras <c>Conv1D</c> over a sequence (timesteps x features): a conv2d of height 1 whose input and
    /// output are sequences; <see cref="KernelHeight"/> and <see cref="StrideHeight"/> are 1. Every stage after the
    /// front ends runs it as the conv2d it is (im2col + fused GEMM, BatchNormalization folded).</summary>
    public bool Sequence { get; init; }

    public override LayerKind Kind => Sequence ? LayerKind.Conv1D : LayerKind.Conv2D;
}

internal sealed record MaxPooling2DSpec(int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth, PaddingKind Padding) : LayerSpec
{
    public override LayerKind Kind => LayerKind.MaxPooling2D;
}

internal sealed record FlattenSpec : LayerSpec
{
    public override LayerKind Kind => LayerKind.Flatten;
}

internal sealed record LstmSpec(int Units, ActivationKind Activation, ActivationKind RecurrentActivation, bool ReturnSequences) : LayerSpec
{
    public override LayerKind Kind => LayerKind.Lstm;
}

/// <summary>Keras <c>GRU</c>: gates z, r, h (Keras's order); <c>reset_after</c> (Keras 2.x/3's default) applies the
/// reset gate after the recurrent product and keeps two biases, <c>[2, 3u]</c>.</summary>
internal sealed record GruSpec(int Units, ActivationKind Activation, ActivationKind RecurrentActivation, bool ReturnSequences, bool ResetAfter) : LayerSpec
{
    public override LayerKind Kind => LayerKind.Gru;
}

/// <summary>Keras <c>compile</c>: every optimizer hyper-parameter resolved to its Keras default where not given
/// (learning rate 0.01 for SGD, 0.001 for Adam).</summary>
internal sealed record CompileSpec(
    LossKind Loss,
    OptimizerKind Optimizer,
    double LearningRate,
    double Momentum,
    bool Nesterov,
    double Decay,
    double Beta1,
    double Beta2,
    double Epsilon,
    bool Accuracy,
    int BatchSize)
{
    public const int DefaultBatchSize = 32;

    public static double DefaultLearningRate(OptimizerKind optimizer) => optimizer == OptimizerKind.Adam ? 0.001 : 0.01;
}
