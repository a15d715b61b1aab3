using System.Collections.Generic;
using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>Turns a valid model description into a <see cref="ModelPlan"/>: shapes, parameters, fusion groups.</summary>
internal static class ModelPlanner
{
    public static ModelPlan Plan(ModelDefinition model, bool referencesIlgpu, CancellationToken cancellationToken)
    {
        ModelSpec spec = model.Spec;
        EquatableArray<string> names = LayerShapes.Names(spec.Layers);
        List<FusionGroup> groups = Group(spec.Layers, names);
        var groupOf = new int[spec.Layers.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            for (int i = groups[g].First; i < groups[g].First + groups[g].Count; i++)
            {
                groupOf[i] = g;
            }
        }

        var layers = new List<LayerPlan>(spec.Layers.Count);
        TensorShape shape = TensorShape.FromInput(spec.Input!);
        TensorShape input = shape;
        long trainable = 0, nonTrainable = 0;
        int firstTrainable = -1;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LayerSpec layer = spec.Layers[i];
            LayerShapes.TryInfer(layer, names[i], shape, out TensorShape output, out _);
            (long t, long n) = LayerShapes.Parameters(layer, shape);
            layers.Add(new LayerPlan(i, names[i], layer, shape, output, t, n, groupOf[i]));
            trainable += t;
            nonTrainable += n;
            shape = output;
            if (firstTrainable < 0 && t > 0)
            {
                firstTrainable = i;
            }
        }

        // A model without trainable layers still runs the loss through its last layer.
        firstTrainable = firstTrainable < 0 ? spec.Layers.Count - 1 : firstTrainable;
        for (int g = 0; g < groups.Count; g++)
        {
            groups[g] = groups[g] with { RunsFused = RunsFused(groups[g], layers) };
        }

        for (int i = 0; i < layers.Count; i++)
        {
            layers[i] = Decide(layers[i], groups, firstTrainable);
        }

        for (int g = 0; g < groups.Count; g++)
        {
            FusionGroup group = groups[g];
            int activated = group.Kind == FusionKind.WeightsActivationBatchNorm ? group.BatchNormalization - 1 : group.Last;
            groups[g] = group with
            {
                Description = SummaryTable.DescribeKernels(layers, group),
                PreActivationApart = layers[group.First].KeepsPreActivation || activated != group.First,
            };
        }

        // The GPU file exists when the compilation references ILGPU and the GPU backend has a kernel for every layer.
        bool emitGpu = referencesIlgpu && HasGpuKernels(spec.Layers);
        var plan = new ModelPlan(
            model.Type,
            model.Origin,
            model.SourceName,
            input,
            shape,
            trainable,
            nonTrainable,
            layers.ToEquatableArray(),
            groups.ToEquatableArray(),
            spec.Compile,
            emitGpu,
            Summary: string.Empty,
            Tensors: StoragePlanner.Tensors(layers),
            OutputGradient: OutputGradientOf(spec),
            LabelSize: LabelSizeOf(spec.Compile, (int)shape.Size))
        {
            FirstTrainable = firstTrainable,
        };
        plan = plan with { FusedLossGradient = FusedLossGradientOf(plan), OnnxBlocker = OnnxBlockerOf(spec.Layers) };
        plan = plan with
        {
            CpuTrainingBuffers = spec.Compile is null ? EquatableArray<BufferPlan>.Empty : BufferPlanner.CpuTraining(plan),
            CpuInferenceBuffers = BufferPlanner.CpuInference(plan),
            GpuBuffers = emitGpu ? BufferPlanner.Gpu(plan) : EquatableArray<BufferPlan>.Empty,
        };
        return plan with { Summary = SummaryTable.Render(plan, gpu: false), GpuSummary = emitGpu ? SummaryTable.Render(plan, gpu: true) : string.Empty };
    }

    /// <summary>The first layer that ONNX cannot express, and why: an lstm whose activation ONNX's LSTM operator lacks
    /// (gelu, swish), or a layer the ONNX builder has no call for.</summary>
    private static OnnxBlocker? OnnxBlockerOf(EquatableArray<LayerSpec> layers)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is LstmSpec lstm)
            {
                foreach (ActivationKind activation in new[] { lstm.Activation, lstm.RecurrentActivation })
                {
                    if (activation is ActivationKind.Gelu or ActivationKind.Swish)
                    {
                        return new OnnxBlocker(i, $"uses {Names.Of(activation)}, which ONNX's LSTM operator has no activation for");
                    }
                }
            }
            else if (layers[i] is GruSpec gru)
            {
                foreach (ActivationKind activation in new[] { gru.Activation, gru.RecurrentActivation })
                {
                    if (activation is ActivationKind.Gelu or ActivationKind.Swish)
                    {
                        return new OnnxBlocker(i, $"uses {Names.Of(activation)}, which ONNX's GRU operator has no activation for");
                    }
                }
            }
            else if (layers[i] is not (DenseSpec or BatchNormalizationSpec or ActivationSpec or DropoutSpec or FlattenSpec or Conv2DSpec) && !PoolingLayers.Is(layers[i]))
            {
                return new OnnxBlocker(i, "has no ONNX export yet");
            }
        }

        return null;
    }

    /// <summary>Whether the GPU backend has a kernel for every layer: dense, conv2d, the pooling layers, lstm,
    /// batch_normalization, activation, dropout and flatten.</summary>
    private static bool HasGpuKernels(EquatableArray<LayerSpec> layers)
    {
        foreach (LayerSpec layer in layers)
        {
            if (layer is not (DenseSpec or Conv2DSpec or LstmSpec or BatchNormalizationSpec or ActivationSpec or DropoutSpec or FlattenSpec) && !PoolingLayers.Is(layer))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a group runs as fused kernels: a Dense or Conv2D with its activation and BatchNormalization, unless
    /// a softmax sits between the weights and BN (row-wise, so not an epilogue).</summary>
    private static bool RunsFused(FusionGroup group, List<LayerPlan> layers) =>
        group.Kind != FusionKind.Single
        && layers[group.First].Spec is DenseSpec or Conv2DSpec
        && !(group.Kind == FusionKind.WeightsActivationBatchNorm && group.Activation == ActivationKind.Softmax);

    /// <summary>Units from which a Dense keeps its inference kernel prepacked for single samples: one whole panel of the
    /// runtime's <c>PackedDense</c>.</summary>
    private const int PackedPanelWidth = 16;

    /// <summary>The GPU's matrix tiles (16 x 16 through shared memory): products with both dimensions at least this run tiled.</summary>
    private const int GpuTileSize = 16;

    /// <summary>A layer's data decisions: pre-activation, im2col, window, folding, packing, input gradient.</summary>
    private static LayerPlan Decide(LayerPlan layer, List<FusionGroup> groups, int firstTrainable)
    {
        long rowsPerSample = layer.Output.Size / layer.Output.Last;
        ProductPlan? product = layer.Spec switch
        {
            DenseSpec d => new ProductPlan(d.Units, layer.Input.Last, rowsPerSample, d.UseBias, d.Activation),
            Conv2DSpec c => new ProductPlan(c.Filters, (long)c.KernelHeight * c.KernelWidth * layer.Input.Last, rowsPerSample, c.UseBias, c.Activation),
            _ => null,
        };

        // A conv2d's im2col matrix is its input when it is pointwise (1x1, stride 1).
        bool im2col = layer.Spec is Conv2DSpec conv && !(conv.KernelHeight == 1 && conv.KernelWidth == 1 && conv.StrideHeight == 1 && conv.StrideWidth == 1);
        bool folds = false;
        foreach (FusionGroup group in groups)
        {
            folds |= group.FoldInto == layer.Index;
        }

        FusionGroup own = groups[layer.Group];

        // The GPU's products: a Dense's or conv2d's; an lstm's over its input (features × 4 · units).
        (long depth, int columns) = product is { } p ? (p.InputsPerRow, p.Units)
            : layer.Spec is LstmSpec l ? ((long)layer.Input.Last, 4 * l.Units)
            : (0L, 0);
        return layer with
        {
            Product = product,
            KeepsPreActivation = product is { Activation: not ActivationKind.Linear },
            UsesIm2Col = im2col,
            Im2ColWidth = im2col ? rowsPerSample * product!.InputsPerRow : 0,
            Window = layer.Spec is Conv2DSpec || PoolingLayers.Is(layer.Spec) ? WindowPlan.Of(layer) : null,
            FoldsBatchNormalization = folds,
            PackedForSingleRow = layer.Spec is DenseSpec && product!.Units >= PackedPanelWidth && rowsPerSample == 1 && own.First == layer.Index && own.RunsFused,
            NeedsInputGradient = layer.Index > firstTrainable,
            GpuTiled = depth >= GpuTileSize && columns >= GpuTileSize,
            GpuTiledRecurrent = layer.Spec is LstmSpec lstm && lstm.Units >= GpuTileSize && 4 * lstm.Units >= GpuTileSize,
        };
    }

    /// <summary>Where the loss gradient enters fused with the final sigmoid or softmax (SPEC §4), or null: the last Dense's
    /// or Conv2D's pre-activation gradient, or the input gradient of a final Activation layer whose input is trained.</summary>
    private static BufferRef? FusedLossGradientOf(ModelPlan plan)
    {
        int last = plan.Layers.Count - 1;
        if (plan.OutputGradient == OutputGradientKind.General)
        {
            return null;
        }

        return plan.Layers[last].Spec switch
        {
            DenseSpec or Conv2DSpec when plan.Layers[last].KeepsPreActivation => new BufferRef(last, BufferKind.PreActivationDelta),
            ActivationSpec when last - 1 >= plan.FirstTrainable => DeltaOf(plan, last - 1),
            _ => null,
        };
    }

    /// <summary>The buffer holding dL/d(output of <paramref name="layer"/>): flatten and rate-0 dropout share their input's.</summary>
    public static BufferRef DeltaOf(ModelPlan plan, int layer)
    {
        while (layer >= 0 && BufferPlanner.IsIdentityInTraining(plan.Layers[layer]))
        {
            layer--;
        }

        return layer < 0 ? new BufferRef(-1, BufferKind.InputDelta) : new BufferRef(layer, BufferKind.Delta);
    }

    /// <summary>Sigmoid + binary cross-entropy and softmax + cross-entropy at the very end take the fused gradient.</summary>
    private static OutputGradientKind OutputGradientOf(ModelSpec spec)
    {
        if (spec.Compile is not { } compile || spec.Layers.IsEmpty)
        {
            return OutputGradientKind.General;
        }

        ActivationKind? last = spec.Layers[spec.Layers.Count - 1] switch
        {
            DenseSpec dense => dense.Activation,
            ActivationSpec activation => activation.Activation,
            _ => null,
        };
        return (compile.Loss, last) switch
        {
            (LossKind.BinaryCrossentropy, ActivationKind.Sigmoid) => OutputGradientKind.SigmoidBinaryCrossentropy,
            (LossKind.CategoricalCrossentropy or LossKind.SparseCategoricalCrossentropy, ActivationKind.Softmax) => OutputGradientKind.SoftmaxCrossentropy,
            _ => OutputGradientKind.General,
        };
    }

    /// <summary>Label values per sample: 1 for binary and sparse labels, one per output otherwise.</summary>
    private static int LabelSizeOf(CompileSpec? compile, int outputSize) => compile?.Loss switch
    {
        LossKind.BinaryCrossentropy or LossKind.SparseCategoricalCrossentropy => 1,
        _ => outputSize,
    };

    /// <summary>Greedy left-to-right grouping of Dense/Conv2D with the BatchNormalization and activation around them.</summary>
    private static List<FusionGroup> Group(EquatableArray<LayerSpec> layers, EquatableArray<string> names)
    {
        var groups = new List<FusionGroup>();
        int i = 0;
        while (i < layers.Count)
        {
            LayerSpec layer = layers[i];
            ActivationKind? own = layer switch
            {
                DenseSpec dense => dense.Activation,
                Conv2DSpec conv => conv.Activation,
                _ => null,
            };

            if (own is null)
            {
                groups.Add(new FusionGroup(i, 1, FusionKind.Single, ActivationKind.Linear, layer is BatchNormalizationSpec ? i : -1, -1, names[i]));
                i++;
                continue;
            }

            LayerSpec? next = At(layers, i + 1);
            LayerSpec? afterNext = At(layers, i + 2);
            if (own == ActivationKind.Linear && next is BatchNormalizationSpec && afterNext is ActivationSpec activation)
            {
                // Dense → BN → activation: BN folds into this layer's weights at inference.
                groups.Add(new FusionGroup(i, 3, FusionKind.WeightsBatchNormActivation, activation.Activation, i + 1, i, Join(names, i, 3)));
                i += 3;
            }
            else if (own == ActivationKind.Linear && next is BatchNormalizationSpec)
            {
                groups.Add(new FusionGroup(i, 2, FusionKind.WeightsBatchNormActivation, ActivationKind.Linear, i + 1, i, Join(names, i, 2)));
                i += 2;
            }
            else if (own == ActivationKind.Linear && next is ActivationSpec separate && afterNext is BatchNormalizationSpec)
            {
                // Dense → Activation → BN: BN after the activation folds into the next Dense at inference.
                groups.Add(new FusionGroup(i, 3, FusionKind.WeightsActivationBatchNorm, separate.Activation, i + 2, NextFoldTarget(layers, i + 2), Join(names, i, 3)));
                i += 3;
            }
            else if (own == ActivationKind.Linear && next is ActivationSpec separateOnly)
            {
                groups.Add(new FusionGroup(i, 2, FusionKind.WeightsActivation, separateOnly.Activation, -1, -1, Join(names, i, 2)));
                i += 2;
            }
            else if (next is BatchNormalizationSpec)
            {
                groups.Add(new FusionGroup(i, 2, FusionKind.WeightsActivationBatchNorm, own.Value, i + 1, NextFoldTarget(layers, i + 1), Join(names, i, 2)));
                i += 2;
            }
            else
            {
                groups.Add(new FusionGroup(i, 1, FusionKind.WeightsActivation, own.Value, -1, -1, names[i]));
                i++;
            }
        }

        return groups;
    }

    /// <summary>The Dense that a BatchNormalization at <paramref name="bn"/> can fold into at inference: the next
    /// weighted layer, through dropout only (identity at inference). Conv2D with same padding cannot absorb a shift
    /// exactly (the zero padding is not shifted), and a Dense after flatten or pooling sees other values; both keep BN.</summary>
    private static int NextFoldTarget(EquatableArray<LayerSpec> layers, int bn)
    {
        for (int j = bn + 1; j < layers.Count; j++)
        {
            switch (layers[j])
            {
                case DropoutSpec:
                    continue;
                case DenseSpec:
                    return j;
                case Conv2DSpec { Padding: PaddingKind.Valid }:
                    return j;
                default:
                    return -1;
            }
        }

        return -1;
    }

    private static LayerSpec? At(EquatableArray<LayerSpec> layers, int index) => index < layers.Count ? layers[index] : null;

    private static string Join(EquatableArray<string> names, int first, int count)
    {
        var parts = new string[count];
        for (int k = 0; k < count; k++)
        {
            parts[k] = names[first + k];
        }

        return string.Join(" + ", parts);
    }
}
