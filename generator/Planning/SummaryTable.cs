using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>Keras's <c>model.summary()</c> table for a plan, with ModelGen's fused kernels listed below it.</summary>
internal static class SummaryTable
{
    public static string Render(ModelPlan plan)
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
            text.Append(' ').Append(group.Name.PadRight(groupWidth)).Append(Describe(plan, group)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>What a fusion group runs, in words: <c>GEMM + BN + relu; BN folded into dense at inference</c>.</summary>
    public static string Describe(ModelPlan plan, FusionGroup group)
    {
        string weights = plan.Layers[group.First].Spec.Kind == LayerKind.Conv2D ? "conv" : "GEMM";
        string activation = group.Activation == ActivationKind.Linear ? string.Empty : " + " + Names.Of(group.Activation);
        string fold = group.FoldInto >= 0
            ? "; inference: BN folded into " + plan.Layers[group.FoldInto].Name
            : group.BatchNormalization >= 0 ? "; inference: BN with moving statistics" : string.Empty;
        return group.Kind switch
        {
            FusionKind.WeightsBatchNormActivation => weights + " + BN" + activation + fold,
            FusionKind.WeightsActivationBatchNorm => weights + " + bias" + activation + " + BN" + fold,
            FusionKind.WeightsActivation => weights + " + bias" + activation,
            _ => Names.KerasClassOf(plan.Layers[group.First].Spec.Kind) + fold,
        };
    }

    private static void AppendRow(StringBuilder text, string layer, string shape, string parameters, int layerWidth, int shapeWidth, int parameterWidth) =>
        text.Append(' ').Append(layer.PadRight(layerWidth)).Append(shape.PadRight(shapeWidth)).Append(parameters.PadLeft(parameterWidth)).Append('\n');

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
