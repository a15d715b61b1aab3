using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>Keras's <c>model.summary()</c> table for a plan, with ModelGen's fused kernels listed below it.</summary>
internal static class SummaryTable
{
    /// <summary>The table, and the fused kernels as the CPU backend (<paramref name="gpu"/> false) or the GPU backend runs them.</summary>
    public static string Render(ModelPlan plan, bool gpu)
    {
        var rows = new List<(string Layer, string Shape, string Parameters)>(plan.Layers.Count);
        foreach (LayerPlan layer in plan.Layers)
        {
            rows.Add((
                $"{layer.Name} ({Names.KerasClassOf(layer.Spec.Kind)})",
                layer.Output.ToString(),
                Count(layer.TrainableParameters + layer.NonTrainableParameters)));
        }

        int layerWidth = "Layer (type)".Length;
        int shapeWidth = "Output Shape".Length;
        int parameterWidth = "Param #".Length;
        foreach ((string layer, string shape, string parameters) in rows)
        {
            layerWidth = Math.Max(layerWidth, layer.Length);
            shapeWidth = Math.Max(shapeWidth, shape.Length);
            parameterWidth = Math.Max(parameterWidth, parameters.Length);
        }

        layerWidth += 4;
        shapeWidth += 4;
        int width = 1 + layerWidth + shapeWidth + parameterWidth;

        var text = new StringBuilder();
        text.Append("Model: \"").Append(plan.Type.Name).Append('"').Append('\n');
        text.Append('_', width).Append('\n');
        AppendRow(text, "Layer (type)", "Output Shape", "Param #", layerWidth, shapeWidth, parameterWidth);
        text.Append('=', width).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            AppendRow(text, rows[i].Layer, rows[i].Shape, rows[i].Parameters, layerWidth, shapeWidth, parameterWidth);
            text.Append(i == rows.Count - 1 ? '=' : '_', width).Append('\n');
        }

        text.Append("Total params: ").Append(Count(plan.TrainableParameters + plan.NonTrainableParameters)).Append('\n');
        text.Append("Trainable params: ").Append(Count(plan.TrainableParameters)).Append('\n');
        text.Append("Non-trainable params: ").Append(Count(plan.NonTrainableParameters)).Append('\n');
        text.Append('_', width).Append('\n');

        int groupWidth = layerWidth;
        foreach (FusionGroup group in plan.Groups)
        {
            groupWidth = Math.Max(groupWidth, group.Name.Length + 4);
        }

        text.Append("Fused kernels:").Append('\n');
        foreach (FusionGroup group in plan.Groups)
        {
            text.Append(' ').Append(group.Name.PadRight(groupWidth)).Append(Describe(plan, group, gpu)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>What a fusion group runs, in words, on either backend (<see cref="FusionGroup.Description"/>):
    /// <c>GEMM + BN + relu</c>.</summary>
    public static string DescribeKernels(IReadOnlyList<LayerPlan> layers, FusionGroup group)
    {
        string weights = layers[group.First].Spec.Kind is LayerKind.Conv2D or LayerKind.Conv1D ? "conv" : "GEMM";
        string activation = group.Activation == ActivationKind.Linear ? string.Empty : " + " + Names.Of(group.Activation);
        return group.Kind switch
        {
            FusionKind.WeightsBatchNormActivation => weights + " + BN" + activation,
            FusionKind.WeightsActivationBatchNorm => weights + " + bias" + activation + " + BN",
            FusionKind.WeightsActivation => weights + " + bias" + activation,
            _ => Names.KerasClassOf(layers[group.First].Spec.Kind),
        };
    }

    /// <summary>What a fusion group runs and how its BatchNormalization runs at inference on one backend:
    /// <c>GEMM + BN + relu; inference: BN folded into dense</c> (CPU), <c>…; inference: BN in the epilogue, moving
    /// statistics</c> (GPU: it never folds).</summary>
    public static string Describe(ModelPlan plan, FusionGroup group, bool gpu)
    {
        string inference = group.BatchNormalization < 0 ? string.Empty
            : gpu ? group.RunsFused ? "; inference: BN in the epilogue, moving statistics" : "; inference: BN with moving statistics"
            : group.FoldInto >= 0 ? "; inference: BN folded into " + plan.Layers[group.FoldInto].Name
            : "; inference: BN with moving statistics";
        return group.Description + inference;
    }

    private static void AppendRow(StringBuilder text, string layer, string shape, string parameters, int layerWidth, int shapeWidth, int parameterWidth) =>
        text.Append(' ').Append(layer.PadRight(layerWidth)).Append(shape.PadRight(shapeWidth)).Append(parameters.PadLeft(parameterWidth)).Append('\n');

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
