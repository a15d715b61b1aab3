using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>
/// Everything an emitter needs, decided: shapes, parameter counts, Keras layer names, fusion groups and where each
/// BatchNormalization folds at inference. Emitters only print what is here. No locations, so that an edit that only
/// moves a model's text leaves its plan equal and its output cached.
/// </summary>
internal sealed record ModelPlan(
    TypeIdentity Type,
    ModelOrigin Origin,
    string SourceName,
    TensorShape InputShape,
    TensorShape OutputShape,
    long TrainableParameters,
    long NonTrainableParameters,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<FusionGroup> Groups,
    CompileSpec? Compile,
    bool EmitGpu,
    string Summary,
    EquatableArray<TensorPlan> Tensors,
    OutputGradientKind OutputGradient,
    int LabelSize)
{
    /// <summary><see cref="Summary"/> with the fused kernels as the GPU backend runs them (it never folds
    /// BatchNormalization), for the GPU file's header; empty without ILGPU.</summary>
    public string GpuSummary { get; init; } = string.Empty;

    /// <summary>The first layer ONNX cannot express and why (completing "layer 'lstm' …"), or null: <c>ExportOnnx</c> then
    /// throws <c>NotSupportedException</c> with that reason.</summary>
    public OnnxBlocker? OnnxBlocker { get; init; }

    /// <summary>The first layer with trainable parameters: backward passes stop there (the last layer when none has any:
    /// the loss still runs through it).</summary>
    public int FirstTrainable { get; init; }

    /// <summary>
    /// Where the loss's gradient enters when it comes fused with the final sigmoid or softmax (SPEC §4): into the last
    /// Dense's or Conv2D's pre-activation gradient, or into the input gradient of a final Activation layer. Nothing then
    /// reads dL/d(the model's output), and no buffer holds it. Null when the loss's gradient enters as dL/d(output).
    /// </summary>
    public BufferRef? FusedLossGradient { get; init; }

    /// <summary>Whether the loss's gradient comes fused with the final activation.</summary>
    public bool FusesLossGradient => FusedLossGradient is not null;

    /// <summary>The CPU backend's per-sample buffers of a training step (instance fields: one trainer at a time).</summary>
    public EquatableArray<BufferPlan> CpuTrainingBuffers { get; init; } = EquatableArray<BufferPlan>.Empty;

    /// <summary>The CPU backend's per-sample buffers of inference (<c>Predict</c>, <c>Evaluate</c>): one set per thread.</summary>
    public EquatableArray<BufferPlan> CpuInferenceBuffers { get; init; } = EquatableArray<BufferPlan>.Empty;

    /// <summary>The GPU backend's per-sample device buffers (one set for both passes), host staging first.</summary>
    public EquatableArray<BufferPlan> GpuBuffers { get; init; } = EquatableArray<BufferPlan>.Empty;

    /// <summary>Values in the trainable array (every trainable tensor, Keras order).</summary>
    public int TrainableLength => SumLengths(trainable: true);

    /// <summary>Values in the non-trainable array (moving statistics).</summary>
    public int StateLength => SumLengths(trainable: false);

    /// <summary>The batch size buffers are first sized for (compile's batch_size, 32 by default).</summary>
    public int PlannedBatchSize => Compile?.BatchSize ?? CompileSpec.DefaultBatchSize;

    /// <summary>Whether some layer behaves differently in training (BatchNormalization, Dropout).</summary>
    public bool HasBatchNormalization
    {
        get
        {
            foreach (LayerPlan layer in Layers)
            {
                if (layer.Spec is BatchNormalizationSpec)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The Dense that BatchNormalization <paramref name="layer"/> folds into at inference, or -1 when it runs as its own pass.</summary>
    public int FoldTarget(int layer)
    {
        foreach (FusionGroup group in Groups)
        {
            if (group.BatchNormalization == layer)
            {
                return group.FoldInto;
            }
        }

        return -1;
    }

    /// <summary>The BatchNormalization layers folded into Dense <paramref name="layer"/>: the one feeding it first, then its own.</summary>
    public EquatableArray<int> FoldedInto(int layer)
    {
        var folded = new System.Collections.Generic.List<int>(2);
        for (int b = 0; b < Layers.Count; b++)
        {
            if (Layers[b].Spec is BatchNormalizationSpec && b < layer && FoldTarget(b) == layer)
            {
                folded.Add(b);
            }
        }

        for (int b = 0; b < Layers.Count; b++)
        {
            if (Layers[b].Spec is BatchNormalizationSpec && b > layer && FoldTarget(b) == layer)
            {
                folded.Add(b);
            }
        }

        return folded.ToEquatableArray();
    }

    private int SumLengths(bool trainable)
    {
        int total = 0;
        foreach (TensorPlan tensor in Tensors)
        {
            if (tensor.Trainable == trainable)
            {
                total += tensor.Length;
            }
        }

        return total;
    }

    public int InputSize => (int)InputShape.Size;

    public int OutputSize => (int)OutputShape.Size;
}

/// <summary>One layer with its Keras name, shapes, parameter counts, the fusion group it runs in, and what the
/// planner decided about its data (<see cref="ModelPlanner"/>).</summary>
internal sealed record LayerPlan(
    int Index,
    string Name,
    LayerSpec Spec,
    TensorShape Input,
    TensorShape Output,
    long TrainableParameters,
    long NonTrainableParameters,
    int Group)
{
    /// <summary>A Dense's or conv2d's numbers as a matrix product (null for other layers).</summary>
    public ProductPlan? Product { get; init; }

    /// <summary>A Dense or Conv2D with an activation of its own keeps <c>z = x · W + b</c> apart from its output.</summary>
    public bool KeepsPreActivation { get; init; }

    /// <summary>A conv2d whose im2col matrix is a buffer of its own (every conv2d but a pointwise 1x1 stride-1 one, whose
    /// matrix is its input).</summary>
    public bool UsesIm2Col { get; init; }

    /// <summary>Values per sample of a conv2d's im2col matrix: output positions × kh · kw · input channels (0 otherwise).</summary>
    public long Im2ColWidth { get; init; }

    /// <summary>The window geometry of a conv2d or a pooling layer (null otherwise): computed once, rendered by every emitter.</summary>
    public WindowPlan? Window { get; init; }

    /// <summary>A Dense or Conv2D that absorbs BatchNormalization at inference (the CPU backend's folded kernel and bias).</summary>
    public bool FoldsBatchNormalization { get; init; }

    /// <summary>
    /// A Dense that keeps its inference kernel packed for one sample at a time (the runtime's <c>PackedDense</c>: a
    /// batch-1 <c>Predict</c> streams it instead of reading the kernel down its columns): Dense layers on one position
    /// per sample that run fused, with at least one whole panel of units; narrower layers gain nothing.
    /// </summary>
    public bool PackedForSingleRow { get; init; }

    /// <summary>Whether this Dense's or conv2d's three matrix products run on the GPU in 16 x 16 tiles through shared memory
    /// (both the inputs per row, kh · kw · in for a conv2d, and the units at least 16); smaller ones run one thread per
    /// value. For an lstm: its products over the input (features × 4 · units).</summary>
    public bool GpuTiled { get; init; }

    /// <summary>Whether an lstm's products over its recurrent kernel (units × 4 · units) run in GPU tiles.</summary>
    public bool GpuTiledRecurrent { get; init; }

    /// <summary>Whether the backward pass of this layer forms dL/d(its input): every layer after the first trainable one.</summary>
    public bool NeedsInputGradient { get; init; }
}

/// <summary>How the layers of a fusion group run together (SPEC §5).</summary>
internal enum FusionKind
{
    /// <summary>A layer that runs on its own (pooling, flatten, dropout, lstm, a lone activation or BN).</summary>
    Single,

    /// <summary>Dense/Conv2D with its activation (its own or a following Activation layer): GEMM + bias + activation.</summary>
    WeightsActivation,

    /// <summary>Dense/Conv2D → BatchNormalization → activation: BN before the activation.</summary>
    WeightsBatchNormActivation,

    /// <summary>Dense/Conv2D with an activation → BatchNormalization: BN after the activation.</summary>
    WeightsActivationBatchNorm,
}

/// <summary>
/// Layers <see cref="First"/> .. <see cref="First"/> + <see cref="Count"/> - 1 run as one kernel. <see cref="Activation"/> is the
/// group's activation (wherever it sits). <see cref="FoldInto"/> is the layer whose weights absorb this group's
/// BatchNormalization at inference: the group's own Dense when BN comes before the activation, the next Dense when
/// it comes after; -1 when the BN is applied as its own pass (or there is none).
/// </summary>
internal sealed record FusionGroup(int First, int Count, FusionKind Kind, ActivationKind Activation, int BatchNormalization, int FoldInto, string Name)
{
    /// <summary>Whether the group runs as fused kernels on both backends: a Dense or Conv2D with its activation and
    /// BatchNormalization. A softmax between the weights and BN (row-wise, so not an epilogue) makes its layers run one
    /// by one, and so does a group of one layer without weights.</summary>
    public bool RunsFused { get; init; }

    /// <summary>What the group runs, in words, for the summary and for the comments of both backends' code:
    /// <c>GEMM + BN + relu; inference: BN folded into dense</c>.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Whether the weights' <c>z</c> is a buffer apart from the activated values the group's BatchNormalization or
    /// output reads: the Dense's pre-activation (an activation of its own), or its linear output before a separate
    /// Activation layer. Otherwise the activation (linear) writes in place.</summary>
    public bool PreActivationApart { get; init; }

    /// <summary>The group's last layer.</summary>
    public int Last => First + Count - 1;
}

/// <summary>
/// A Dense or conv2d as the matrix product both backends run: a conv2d is a Dense over its im2col matrix, whose rows are
/// the output positions of every sample (<see cref="RowsPerSample"/>) and whose columns are kh · kw · in values.
/// </summary>
/// <param name="Units">Units of a Dense, filters of a conv2d: the product's columns.</param>
/// <param name="InputsPerRow">A Dense's input features, a conv2d's kh · kw · in: the product's depth.</param>
/// <param name="RowsPerSample">1 for a Dense, output height · width for a conv2d.</param>
/// <param name="UseBias">Whether the layer adds a bias.</param>
/// <param name="Activation">The layer's own activation (linear when a separate Activation layer follows).</param>
internal sealed record ProductPlan(int Units, long InputsPerRow, long RowsPerSample, bool UseBias, ActivationKind Activation);

/// <summary>A layer that ONNX export cannot express, and why.</summary>
internal readonly record struct OnnxBlocker(int Layer, string Reason);

