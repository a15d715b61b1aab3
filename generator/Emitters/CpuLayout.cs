using System.Collections.Generic;
using System.Globalization;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// Names and span expressions of the CPU backend's per-layer buffers, so that every part of the emitter refers to a
/// layer's output, gradient or saved statistics the same way. Buffers are named after the Keras layer
/// (<c>_dense1Output</c>, <c>_batchNormalizationXhat</c>) so a reader finds a layer's data by its name.
/// </summary>
internal sealed class CpuLayout
{
    private readonly ModelPlan _plan;

    public CpuLayout(ModelPlan plan) => _plan = plan;

    /// <summary>The first layer with trainable parameters: backward passes stop there.</summary>
    public int FirstTrainable => _plan.FirstTrainable;

    public LayerPlan Layer(int index) => _plan.Layers[index];

    public int Count => _plan.Layers.Count;

    public static string Camel(string name)
    {
        string pascal = StoragePlanner.Pascal(name);
        return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A span of the first <c>rows</c> rows of a per-row buffer.</summary>
    public static string Rows(string field, long width) => $"{field}.AsSpan(0, rows * {Int(width)})";

    public string Field(int layer, string what) => "_" + Camel(Layer(layer).Name) + what;

    /// <summary>A planned buffer's instance field: <c>_dense1Output</c>.</summary>
    public static string FieldOf(BufferPlan buffer) => "_" + char.ToLowerInvariant(buffer.Member[0]) + buffer.Member.Substring(1);

    /// <summary>The local that holds the calling thread's inference buffers in <c>Predict</c> and <c>Evaluate</c>.</summary>
    public const string InferenceBuffersLocal = "buffers";

    /// <summary>A per-row buffer of either pass: a field of the instance for training (one trainer at a time), a field of
    /// the calling thread's <c>InferenceBuffers</c> for inference (any number of threads at once).</summary>
    public string Buffer(int layer, string what, bool training) =>
        training ? Field(layer, what) : InferenceBuffersLocal + "." + StoragePlanner.Pascal(Layer(layer).Name) + what;

    /// <summary>Whether a layer passes its input through unchanged in this mode (no buffer of its own).</summary>
    public bool IsIdentity(int layer, bool training) =>
        training ? BufferPlanner.IsIdentityInTraining(Layer(layer)) : BufferPlanner.IsIdentityAtInference(_plan, Layer(layer), foldsBatchNormalization: true);

    /// <summary>Whether a group runs as one fused kernel (the plan's decision).</summary>
    public bool RunsFused(FusionGroup group) => group.RunsFused;

    /// <summary>Whether a BatchNormalization is folded into a Dense's weights at inference.</summary>
    public bool IsFolded(int layer) => _plan.FoldTarget(layer) >= 0;

    /// <summary>Whether a Dense keeps a copy of its inference kernel packed for one sample at a time (the plan's decision).</summary>
    public bool PacksForSingleRow(int layer) => Layer(layer).PackedForSingleRow;

    /// <summary>Whether a Dense runs with folded weights at inference.</summary>
    public bool UsesFoldedWeights(int layer) => Layer(layer).FoldsBatchNormalization;

    /// <summary>Whether a Dense or Conv2D layer keeps its pre-activation apart from its output.</summary>
    public bool HasPreActivation(int layer) => Layer(layer).KeepsPreActivation;

    /// <summary>Whether a layer is a conv2d whose im2col matrix is a buffer of its own.</summary>
    public bool HasColumns(int layer) => Layer(layer).UsesIm2Col;

    /// <summary>The span a Dense reads, or a conv2d's im2col matrix <c>[rows · positions, kh · kw · in]</c>.</summary>
    public string WeightsInput(int layer, bool training) =>
        HasColumns(layer) ? Rows(Buffer(layer, "Columns", training), Layer(layer).Im2ColWidth) : Input(layer, training);

    /// <summary>The span a layer reads.</summary>
    public string Input(int layer, bool training) => layer == 0 ? "x" : Output(layer - 1, training);

    /// <summary>The span a layer writes (its input, for identity layers).</summary>
    public string Output(int layer, bool training) =>
        IsIdentity(layer, training) ? Input(layer, training) : Rows(Buffer(layer, "Output", training), Layer(layer).Output.Size);

    /// <summary>dL/d(output of <paramref name="layer"/>); flatten and rate-0 dropout share their input's.</summary>
    public string Delta(int layer) => Span(ModelPlanner.DeltaOf(_plan, layer));

    /// <summary>A training buffer by reference, as a span of <c>rows</c> rows.</summary>
    public string Span(BufferRef buffer) => buffer.Layer < 0
        ? Rows("_" + Camel(buffer.Kind.ToString()), buffer.Kind == BufferKind.InputDelta ? _plan.InputSize : ColumnsDeltaWidth)
        : Rows(Field(buffer.Layer, buffer.Kind.ToString()), Layer(buffer.Layer).Output.Size);

    /// <summary>The width of the shared im2col gradient buffer (the plan's), per sample.</summary>
    private long ColumnsDeltaWidth
    {
        get
        {
            foreach (BufferPlan buffer in _plan.CpuTrainingBuffers)
            {
                if (buffer.Kind == BufferKind.ColumnsDelta)
                {
                    return buffer.Width;
                }
            }

            throw new System.InvalidOperationException("The plan has no im2col gradient buffer.");
        }
    }

    /// <summary>Whether the backward pass of <paramref name="layer"/> must produce dL/d(its input).</summary>
    public bool NeedsInputDelta(int layer) => Layer(layer).NeedsInputGradient;

    /// <summary>Whether the loss's gradient enters fused with the final sigmoid or softmax (the plan's decision).</summary>
    public bool FusesLossGradient => _plan.FusesLossGradient;
}
