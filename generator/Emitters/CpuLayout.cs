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

    public CpuLayout(ModelPlan plan)
    {
        _plan = plan;
        // A model without trainable layers still runs the loss through its last layer.
        FirstTrainable = plan.Layers.Count - 1;
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            if (plan.Layers[i].TrainableParameters > 0)
            {
                FirstTrainable = i;
                break;
            }
        }
    }

    /// <summary>The first layer with trainable parameters: backward passes stop there.</summary>
    public int FirstTrainable { get; }

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

    /// <summary>The local that holds the calling thread's inference buffers in <c>Predict</c> and <c>Evaluate</c>.</summary>
    public const string InferenceBuffersLocal = "buffers";

    /// <summary>A per-row buffer of either pass: a field of the instance for training (one trainer at a time), a field of
    /// the calling thread's <c>InferenceBuffers</c> for inference (any number of threads at once).</summary>
    public string Buffer(int layer, string what, bool training) =>
        training ? Field(layer, what) : InferenceBuffersLocal + "." + StoragePlanner.Pascal(Layer(layer).Name) + what;

    /// <summary>Whether a layer passes its input through unchanged in this mode (no buffer of its own).</summary>
    public bool IsIdentity(int layer, bool training) => Layer(layer).Spec switch
    {
        FlattenSpec => true,
        DropoutSpec dropout => !training || dropout.Rate == 0,
        BatchNormalizationSpec => !training && IsFolded(layer),
        _ => false,
    };

    /// <summary>Whether a group runs as one fused kernel: a Dense or Conv2D with its activation and BatchNormalization.
    /// A softmax between the weights and BN (row-wise, so not an epilogue) makes its layers run one by one.</summary>
    public bool RunsFused(FusionGroup group) =>
        group.Kind != FusionKind.Single
        && Layer(group.First).Spec is DenseSpec or Conv2DSpec
        && !(group.Kind == FusionKind.WeightsActivationBatchNorm && group.Activation == ActivationKind.Softmax);

    /// <summary>Whether a BatchNormalization is folded into a Dense's weights at inference.</summary>
    public bool IsFolded(int layer) => _plan.FoldTarget(layer) >= 0;

    /// <summary>Units from which a Dense keeps its inference kernel prepacked for single samples: one whole panel.</summary>
    private const int PackedPanelWidth = 16;

    /// <summary>
    /// Whether a Dense keeps a copy of its inference kernel packed for one sample at a time (the runtime's
    /// <c>PackedDense</c>: a batch-1 <c>Predict</c> streams it instead of reading the kernel down its columns). Dense
    /// layers on one position per sample that run fused, with at least one whole panel of units; narrower layers
    /// (output layers of a few classes) gain nothing.
    /// </summary>
    public bool PacksForSingleRow(int layer)
    {
        LayerPlan plan = Layer(layer);
        if (plan.Spec is not DenseSpec dense || dense.Units < PackedPanelWidth || plan.Output.Size != plan.Output.Last)
        {
            return false;
        }

        foreach (FusionGroup group in _plan.Groups)
        {
            if (group.First == layer)
            {
                return RunsFused(group);
            }
        }

        return false;
    }

    /// <summary>Whether a Dense runs with folded weights at inference.</summary>
    public bool UsesFoldedWeights(int layer) => !_plan.FoldedInto(layer).IsEmpty;

    /// <summary>Whether a Dense or Conv2D layer keeps its pre-activation apart from its output.</summary>
    public bool HasPreActivation(int layer) => Layer(layer).Spec is DenseSpec { Activation: not ActivationKind.Linear } or Conv2DSpec { Activation: not ActivationKind.Linear };

    /// <summary>Whether a layer is a conv2d whose im2col matrix is a buffer of its own (not a pointwise 1x1 stride-1
    /// conv, whose matrix is its input).</summary>
    public bool HasColumns(int layer) => Layer(layer).Spec is Conv2DSpec conv && !IsPointwise(conv);

    public static bool IsPointwise(Conv2DSpec conv) => conv.KernelHeight == 1 && conv.KernelWidth == 1 && conv.StrideHeight == 1 && conv.StrideWidth == 1;

    /// <summary>Values per sample of a conv2d's im2col matrix: output positions × kh · kw · input channels.</summary>
    public static long ColumnsWidth(LayerPlan layer)
    {
        var conv = (Conv2DSpec)layer.Spec;
        return layer.Output.Size / layer.Output.Last * conv.KernelHeight * conv.KernelWidth * layer.Input.Last;
    }

    /// <summary>The span a Dense reads, or a conv2d's im2col matrix <c>[rows · positions, kh · kw · in]</c>.</summary>
    public string WeightsInput(int layer, bool training) =>
        HasColumns(layer) ? Rows(Buffer(layer, "Columns", training), ColumnsWidth(Layer(layer))) : Input(layer, training);

    /// <summary>Whether the backward pass needs the shared buffer for the gradient of a conv2d's im2col matrix.</summary>
    public bool NeedsColumnsDelta
    {
        get
        {
            for (int i = 0; i < Count; i++)
            {
                if (HasColumns(i) && NeedsInputDelta(i))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The largest im2col matrix whose gradient the backward pass forms, per sample.</summary>
    public long ColumnsDeltaWidth
    {
        get
        {
            long width = 0;
            for (int i = 0; i < Count; i++)
            {
                if (HasColumns(i) && NeedsInputDelta(i))
                {
                    width = System.Math.Max(width, ColumnsWidth(Layer(i)));
                }
            }

            return width;
        }
    }

    /// <summary>The span a layer reads.</summary>
    public string Input(int layer, bool training) => layer == 0 ? "x" : Output(layer - 1, training);

    /// <summary>The span a layer writes (its input, for identity layers).</summary>
    public string Output(int layer, bool training) =>
        IsIdentity(layer, training) ? Input(layer, training) : Rows(Buffer(layer, "Output", training), Layer(layer).Output.Size);

    /// <summary>dL/d(output of <paramref name="layer"/>); flatten shares its input's.</summary>
    public string Delta(int layer)
    {
        if (layer < 0)
        {
            return Rows("_inputDelta", _plan.InputSize);
        }

        return Layer(layer).Spec is FlattenSpec || (Layer(layer).Spec is DropoutSpec { Rate: 0 })
            ? Delta(layer - 1)
            : Rows(Field(layer, "Delta"), Layer(layer).Output.Size);
    }

    /// <summary>Whether the backward pass of <paramref name="layer"/> must produce dL/d(its input).</summary>
    public bool NeedsInputDelta(int layer) => layer > FirstTrainable;

    /// <summary>Whether the loss's gradient enters through the final sigmoid or softmax, fused with it (SPEC §4): into
    /// the last Dense's or Conv2D's pre-activation gradient, or into the input gradient of a final Activation layer.
    /// Nothing then reads dL/d(the model's output), and no buffer holds it.</summary>
    public bool FusesLossGradient
    {
        get
        {
            int last = Count - 1;
            return _plan.OutputGradient != OutputGradientKind.General && Layer(last).Spec switch
            {
                DenseSpec or Conv2DSpec => HasPreActivation(last),
                ActivationSpec => last - 1 >= FirstTrainable,
                _ => false,
            };
        }
    }

    /// <summary>Whether the model needs a buffer for dL/d(input): a BatchNormalization first layer computes it anyway.</summary>
    public bool NeedsInputDeltaBuffer => FirstTrainable == 0 && Layer(0).Spec is BatchNormalizationSpec;

    /// <summary>Values per sample an lstm's kernels need (runtime Numerics.Lstm's contract): what the training forward pass
    /// saves for the backward pass, 11 · T · units; the scratch of the inference pass, (4T + 6) · units, or of the
    /// backward pass, (4T + 7) · units, in one buffer.</summary>
    public static (long Saved, long Workspace) LstmWidths(LayerPlan layer, bool trainable)
    {
        long units = ((LstmSpec)layer.Spec).Units, timesteps = layer.Input.D0;
        return (11 * timesteps * units, (4 * timesteps + (trainable ? 7 : 6)) * units);
    }

    /// <summary>The per-row buffers of the inference pass (<c>Predict</c>, <c>Evaluate</c>), which every thread has its own set
    /// of: member name (in <c>InferenceBuffers</c>), values per row, purpose.</summary>
    public IEnumerable<(string Member, long Width, string Purpose)> InferenceRowBuffers()
    {
        for (int i = 0; i < Count; i++)
        {
            LayerPlan layer = Layer(i);
            string member = StoragePlanner.Pascal(layer.Name);
            if (HasColumns(i))
            {
                yield return (member + "Columns", ColumnsWidth(layer), $"{layer.Name}'s im2col matrix: every window of its input as a row");
            }

            if (!IsIdentity(i, training: false))
            {
                yield return (member + "Output", layer.Output.Size, $"{layer.Name}'s output");
            }

            if (HasPreActivation(i))
            {
                yield return (member + "PreActivation", layer.Output.Size, $"{layer.Name}'s output before its activation");
            }

            if (layer.Spec is LstmSpec)
            {
                yield return (member + "Workspace", LstmWidths(layer, trainable: false).Workspace, $"{layer.Name}'s scratch: the input projection and one step's state");
            }
        }
    }

    /// <summary>The per-row buffers of a training step (instance fields: one trainer at a time): field name, values per row,
    /// purpose.</summary>
    public IEnumerable<(string Field, long Width, string Purpose)> TrainingRowBuffers()
    {
        if (NeedsInputDeltaBuffer)
        {
            yield return ("_inputDelta", _plan.InputSize, "dL/d(input), which BatchNormalization's backward pass writes");
        }

        if (NeedsColumnsDelta)
        {
            yield return ("_columnsDelta", ColumnsDeltaWidth, "dL/d(a conv2d's im2col matrix), shared by the conv2d layers' backward passes");
        }

        for (int i = 0; i < Count; i++)
        {
            LayerPlan layer = Layer(i);
            long width = layer.Output.Size;
            if (layer.Spec is FlattenSpec)
            {
                continue;
            }

            if (HasColumns(i))
            {
                yield return (Field(i, "Columns"), ColumnsWidth(layer), $"{layer.Name}'s im2col matrix: every window of its input as a row");
            }

            if (!IsIdentity(i, training: true))
            {
                yield return (Field(i, "Output"), width, $"{layer.Name}'s output");
            }

            if (HasPreActivation(i))
            {
                yield return (Field(i, "PreActivation"), width, $"{layer.Name}'s output before its activation");
            }

            if (layer.Spec is LstmSpec)
            {
                (long saved, long workspace) = LstmWidths(layer, trainable: true);
                yield return (Field(i, "Workspace"), workspace, $"{layer.Name}'s scratch: the input projection and one step's state and gradients");
                yield return (Field(i, "Saved"), saved, $"{layer.Name}'s gates, cell and hidden states at every timestep, for its backward pass");
            }

            if (i >= FirstTrainable && !(i == Count - 1 && FusesLossGradient))
            {
                yield return (Field(i, "Delta"), width, $"dL/d({layer.Name}'s output)");
            }

            if (i >= FirstTrainable && HasPreActivation(i))
            {
                yield return (Field(i, "PreActivationDelta"), width, $"dL/d({layer.Name}'s pre-activation)");
            }

            switch (layer.Spec)
            {
                // A fused group's backward pass recomputes x̂ from the saved input and statistics.
                case BatchNormalizationSpec when !RunsFused(_plan.Groups[layer.Group]):
                    yield return (Field(i, "Xhat"), width, $"{layer.Name}'s normalized input, for its backward pass");
                    break;
                case DropoutSpec:
                    yield return (Field(i, "Mask"), width, $"{layer.Name}'s mask: 0 or 1 / (1 - rate)");
                    break;
            }
        }
    }
}
