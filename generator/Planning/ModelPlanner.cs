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
        }

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
            referencesIlgpu,
            Summary: string.Empty,
            Tensors: StoragePlanner.Tensors(layers),
            OutputGradient: OutputGradientOf(spec),
            LabelSize: LabelSizeOf(spec.Compile, (int)shape.Size));
        return plan with { Summary = SummaryTable.Render(plan) };
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
