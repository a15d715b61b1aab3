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

/// <summary>One layer with its Keras name, shapes, parameter counts and the fusion group it runs in.</summary>
internal sealed record LayerPlan(
    int Index,
    string Name,
    LayerSpec Spec,
    TensorShape Input,
    TensorShape Output,
    long TrainableParameters,
    long NonTrainableParameters,
    int Group);

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
internal sealed record FusionGroup(int First, int Count, FusionKind Kind, ActivationKind Activation, int BatchNormalization, int FoldInto, string Name);
