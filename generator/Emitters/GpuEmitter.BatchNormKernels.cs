using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shared;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// BatchNormalization's kernels on the GPU (conventions: GpuEmitter.Kernels.cs): its constants, the training and
// inference passes, and the fused backward passes that gather its per-feature sums.
internal sealed partial class GpuEmitter
{
    // ---------------------------------------------------------------------------------------------------------------
    // BatchNormalization.

    /// <summary>The constants naming a BatchNormalization's weights: offsets, epsilon, momentum.</summary>
    private void WriteBatchNormConstants(SourceWriter w, int bn, bool inference)
    {
        if (bn < 0)
        {
            return;
        }

        var spec = (BatchNormalizationSpec)_plan.Layers[bn].Spec;
        var offsets = new List<string>();
        if (spec.Scale)
        {
            offsets.Add($"GammaOffset = {Offset(bn, TensorRole.Gamma)}");
        }

        if (spec.Center)
        {
            offsets.Add($"BetaOffset = {Offset(bn, TensorRole.Beta)}");
        }

        offsets.Add($"MovingMeanOffset = {Offset(bn, TensorRole.MovingMean)}");
        offsets.Add($"MovingVarianceOffset = {Offset(bn, TensorRole.MovingVariance)}");
        w.Line($"// {_plan.Layers[bn].Name}'s weights{(spec.Center && spec.Scale ? string.Empty : spec.Center ? " (scale=false: gamma is 1)" : spec.Scale ? " (center=false: beta is 0)" : " (center=false, scale=false: gamma is 1, beta is 0)")}.");
        w.Line($"const int {string.Join(", ", offsets)};");
        w.Line(inference
            ? $"const float Epsilon = {F(spec.Epsilon)};"
            : $"const float Epsilon = {F(spec.Epsilon)}, Momentum = {F(spec.Momentum)};");
    }

    private string Gamma(int bn, string feature) =>
        ((BatchNormalizationSpec)_plan.Layers[bn].Spec).Scale ? $"parameters[GammaOffset + {feature}]" : "1f";

    private string Beta(int bn, string feature) =>
        ((BatchNormalizationSpec)_plan.Layers[bn].Spec).Center ? $"parameters[BetaOffset + {feature}]" : "0f";

    /// <summary><c>gamma · (v - moving_mean) / sqrt(moving_variance + epsilon) + beta</c> for feature <paramref name="feature"/>.</summary>
    private string BatchNormInferenceExpression(int bn, string value, string feature)
    {
        string beta = Beta(bn, feature);
        return $"({value} - state[MovingMeanOffset + {feature}]) * ({Gamma(bn, feature)} / global::System.MathF.Sqrt(state[MovingVarianceOffset + {feature}] + Epsilon))"
            + (beta == "0f" ? string.Empty : " + " + beta);
    }

    /// <summary>
    /// A BatchNormalization in training mode, one group per <c>FeatureLanes</c> features: the batch mean and the biased
    /// batch variance (two passes, each a shared-memory reduction over the group's row lanes), the moving statistics,
    /// then <c>y = act(gamma · (v - mean) / sqrt(var + epsilon) + beta)</c> written by the same threads.
    /// </summary>
    private GpuKernel BatchNormTrainingKernel(string name, int bn, ActivationKind activation, string what)
    {
        LayerPlan layer = _plan.Layers[bn];
        int features = layer.Output.Last;
        string act = activation == ActivationKind.Linear ? string.Empty : $", then {Names.Of(activation)}";
        string summary = $"{what}: {layer.Name}'s batch statistics over the rows (a group per few features, a shared-memory "
            + $"reduction per statistic), its moving statistics, and the normalized output{act}.";
        return new GpuKernel(name, summary, GpuLaunch.Features,
            new[] { P(V, "v"), P(V, "y"), P(V, "parameters"), P(V, "state"), P(V, "statistics"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(features)};");
                WriteBatchNormConstants(w, bn, inference: false);
                WriteFeatureHeader(w);
                w.Line();
                w.Line("// The batch mean, then the biased variance around it.");
                w.Line("float sum = 0f;");
                WriteRowLoop(w, "sum += v[r * Features + f];");
                w.Line("float mean = SumOverRowLanes(partial, sum) / rows;");
                w.Line("float squares = 0f;");
                WriteRowLoop(w, "float d = v[r * Features + f] - mean;", "squares += d * d;");
                w.Line("float variance = SumOverRowLanes(partial, squares) / rows;");
                w.Line("float inverseStd = 1f / global::System.MathF.Sqrt(variance + Epsilon);");
                w.Line();
                w.Line("// Keras's momentum weighs the old moving value; mean and 1 / std are kept for the backward pass.");
                w.Open("if (active && lane == 0)");
                w.Line("state[MovingMeanOffset + f] = state[MovingMeanOffset + f] * Momentum + mean * (1f - Momentum);");
                w.Line("state[MovingVarianceOffset + f] = state[MovingVarianceOffset + f] * Momentum + variance * (1f - Momentum);");
                w.Line("statistics[f] = mean;");
                w.Line("statistics[Features + f] = inverseStd;");
                w.Close();
                w.Line();
                w.Line($"float scale = active ? {Gamma(bn, "f")} * inverseStd : 0f, shift = active ? {Beta(bn, "f")} : 0f;");
                string normalized = "(v[r * Features + f] - mean) * scale + shift";
                WriteRowLoop(w, last: true, $"y[r * Features + f] = {(activation == ActivationKind.Linear ? normalized : ActivationCall(activation, normalized))};");
            });
    }

    /// <summary>Inference-mode BatchNormalization on its own, one thread per value: <c>(x - moving_mean) · gamma / sqrt(moving_variance + epsilon) + beta</c>.</summary>
    private GpuKernel BatchNormInferenceKernel(int bn)
    {
        LayerPlan layer = _plan.Layers[bn];
        return new GpuKernel(Pascal(layer.Name) + "Inference", $"{layer.Name} in inference mode, with its moving statistics; one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(V, "parameters"), P(V, "state"), P("int", "count") },
            w =>
            {
                w.Line($"const int Features = {Int(layer.Output.Last)};");
                WriteBatchNormConstants(w, bn, inference: true);
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("int f = index % Features;");
                w.Line($"y[index] = {BatchNormInferenceExpression(bn, "x[index]", "f")};");
                w.Close();
            });
    }

    /// <summary>The feature index, whether it exists (the last group may have idle lanes) and the shared partial sums.</summary>
    private static void WriteFeatureHeader(SourceWriter w)
    {
        w.Line($"var partial = {Shared}.Allocate<float>(MaxGroupSize);");
        w.Line($"int f = {Grid}.IdxX * {Group}.DimX + {Group}.IdxX, lane = {Group}.IdxY, lanes = {Group}.DimY;");
        w.Line("bool active = f < Features; // idle lanes still take part in every barrier");
    }

    /// <summary>A loop over the rows of feature f that this thread's lane handles.</summary>
    private static void WriteRowLoop(SourceWriter w, params string[] body) => WriteRowLoop(w, last: false, body);

    private static void WriteRowLoop(SourceWriter w, bool last, params string[] body)
    {
        w.Open("if (active)");
        w.Open("for (int r = lane; r < rows; r += lanes)");
        foreach (string line in body)
        {
            w.Line(line);
        }

        w.Close();
        w.Close();
        if (!last)
        {
            w.Line();
        }
    }

    /// <summary>What a per-feature backward kernel computes.</summary>
    private enum FeatureBackward
    {
        /// <summary><c>dz = act'(z) · dy</c> and the bias gradient Σ dz.</summary>
        ActivationBias,

        /// <summary>The bias gradient Σ dz of a given dz.</summary>
        BiasOnly,

        /// <summary>Dense → BN → activation: through the activation, BN, to dz; dgamma, dbeta, dbias.</summary>
        BatchNormActivation,

        /// <summary>Dense → activation → BN: through BN, the activation, to dz; dgamma, dbeta, dbias.</summary>
        ActivationBatchNorm,

        /// <summary>BatchNormalization on its own: dx, dgamma, dbeta.</summary>
        BatchNorm,
    }

    /// <summary>
    /// A backward pass over one group of features at a time (the column sums gradients need): the activation's
    /// derivative, BatchNormalization's backward pass with its two sums per feature, and the bias gradient, each sum a
    /// shared-memory reduction over the group's row lanes.
    /// </summary>
    private GpuKernel FeatureBackwardKernel(string name, FeatureBackward mode, int dense, int bn, ActivationKind activation, bool inputGradient, string what)
    {
        int features = bn >= 0 ? _plan.Layers[bn].Output.Last : UnitsOf(_plan.Layers[dense]);
        bool bias = dense >= 0 && UseBiasOf(_plan.Layers[dense]);
        string act = Names.Of(activation);
        (string Summary, (string, string)[] Parameters) shape = mode switch
        {
            FeatureBackward.ActivationBias => ($"{what}: dz = {act}'(z) · dy{(bias ? " and the bias gradient Σ dz" : string.Empty)}.",
                new[] { P(V, "z"), P(V, "y"), P(V, "dy"), P(V, "dz"), P(V, "gradients"), P("int", "rows") }),
            FeatureBackward.BiasOnly => ($"{what}: the bias gradient Σ dz over the rows.",
                new[] { P(V, "dz"), P(V, "gradients"), P("int", "rows") }),
            FeatureBackward.BatchNormActivation => ($"{what}: from dy through {act} and {_plan.Layers[bn].Name} to dz; gamma, beta{(bias ? " and bias" : string.Empty)} gradients.",
                new[] { P(V, "z"), P(V, "y"), P(V, "dy"), P(V, "dz"), P(V, "parameters"), P(V, "statistics"), P(V, "gradients"), P("int", "rows") }),
            FeatureBackward.ActivationBatchNorm => ($"{what}: from dy through {_plan.Layers[bn].Name} and {act} to dz; gamma, beta{(bias ? " and bias" : string.Empty)} gradients.",
                new[] { P(V, "z"), P(V, "a"), P(V, "dy"), P(V, "dz"), P(V, "parameters"), P(V, "statistics"), P(V, "gradients"), P("int", "rows") }),
            _ => ($"{what}: {_plan.Layers[bn].Name}'s backward pass{(inputGradient ? " to dx" : string.Empty)}, gamma and beta gradients.",
                inputGradient
                    ? new[] { P(V, "x"), P(V, "dy"), P(V, "dx"), P(V, "parameters"), P(V, "statistics"), P(V, "gradients"), P("int", "rows") }
                    : new[] { P(V, "x"), P(V, "dy"), P(V, "parameters"), P(V, "statistics"), P(V, "gradients"), P("int", "rows") }),
        };

        return new GpuKernel(name, shape.Summary, GpuLaunch.Features, shape.Parameters, w =>
        {
            var constants = new List<string> { $"Features = {Int(features)}" };
            if (bias)
            {
                constants.Add($"BiasOffset = {Offset(dense, TensorRole.Bias)}");
            }

            w.Line($"const int {string.Join(", ", constants)};");
            if (bn >= 0)
            {
                var spec = (BatchNormalizationSpec)_plan.Layers[bn].Spec;
                var offsets = new List<string>();
                if (spec.Scale)
                {
                    offsets.Add($"GammaOffset = {Offset(bn, TensorRole.Gamma)}");
                }

                if (spec.Center)
                {
                    offsets.Add($"BetaOffset = {Offset(bn, TensorRole.Beta)}");
                }

                if (offsets.Count > 0)
                {
                    w.Line($"const int {string.Join(", ", offsets)};");
                }
            }

            WriteFeatureHeader(w);
            w.Line();
            switch (mode)
            {
                case FeatureBackward.ActivationBias:
                    w.Line("float sum = 0f;");
                    WriteRowLoop(w, "int index = r * Features + f;", $"float g = {ActivationBackwardCall(activation, "z[index]", "y[index]", "dy[index]")};", "dz[index] = g;", "sum += g;");
                    WriteBiasGradient(w, bias, "sum");
                    break;
                case FeatureBackward.BiasOnly:
                    w.Line("float sum = 0f;");
                    WriteRowLoop(w, "sum += dz[r * Features + f];");
                    WriteBiasGradient(w, bias: true, "sum");
                    break;
                case FeatureBackward.BatchNormActivation:
                    w.Line($"float mean = active ? statistics[f] : 0f, inverseStd = active ? statistics[Features + f] : 0f;");
                    w.Line($"float scale = active ? {Gamma(bn, "f")} * inverseStd : 0f, shift = active ? {Beta(bn, "f")} - mean * scale : 0f;");
                    w.Line();
                    w.Line("// g = dL/d(BN output) through the activation at its input u = scale · z + shift; Σg and Σg·x̂.");
                    w.Line("float sumG = 0f, sumGX = 0f;");
                    WriteRowLoop(w,
                        "int index = r * Features + f;",
                        $"float g = {ActivationBackwardCall(activation, "z[index] * scale + shift", "y[index]", "dy[index]")};",
                        "sumG += g;",
                        "sumGX += g * ((z[index] - mean) * inverseStd);");
                    WriteBatchNormSums(w, bn, "sumG", "sumGX", "scale");
                    w.Line("// dz = k · g - k · mean(g) - k · mean(g · x̂) · x̂, k = gamma / std.");
                    w.Line("float dzSum = 0f;");
                    WriteRowLoop(w,
                        "int index = r * Features + f;",
                        $"float g = {ActivationBackwardCall(activation, "z[index] * scale + shift", "y[index]", "dy[index]")};",
                        "float d = scale * g - kMeanG - kMeanGX * ((z[index] - mean) * inverseStd);",
                        "dz[index] = d;",
                        "dzSum += d;");
                    WriteBiasGradient(w, bias, "dzSum");
                    break;
                case FeatureBackward.ActivationBatchNorm:
                    w.Line("float mean = active ? statistics[f] : 0f, inverseStd = active ? statistics[Features + f] : 0f;");
                    w.Line($"float k = active ? {Gamma(bn, "f")} * inverseStd : 0f;");
                    w.Line();
                    w.Line("// Σdy and Σdy·x̂ over the rows, x̂ = (a - mean) / std.");
                    w.Line("float sumG = 0f, sumGX = 0f;");
                    WriteRowLoop(w,
                        "int index = r * Features + f;",
                        "sumG += dy[index];",
                        "sumGX += dy[index] * ((a[index] - mean) * inverseStd);");
                    WriteBatchNormSums(w, bn, "sumG", "sumGX", "k");
                    w.Line($"// d = dL/d(BN input) = k · dy - k · mean(dy) - k · mean(dy · x̂) · x̂, then dz = {act}'(z) · d.");
                    w.Line("float dzSum = 0f;");
                    WriteRowLoop(w,
                        "int index = r * Features + f;",
                        "float d = k * dy[index] - kMeanG - kMeanGX * ((a[index] - mean) * inverseStd);",
                        $"float g = {ActivationBackwardCall(activation, "z[index]", "a[index]", "d")};",
                        "dz[index] = g;",
                        "dzSum += g;");
                    WriteBiasGradient(w, bias, "dzSum");
                    break;
                default:
                    w.Line("float mean = active ? statistics[f] : 0f, inverseStd = active ? statistics[Features + f] : 0f;");
                    w.Line($"float k = active ? {Gamma(bn, "f")} * inverseStd : 0f;");
                    w.Line();
                    w.Line("// Σdy and Σdy·x̂ over the rows, x̂ = (x - mean) / std.");
                    w.Line("float sumG = 0f, sumGX = 0f;");
                    WriteRowLoop(w,
                        "int index = r * Features + f;",
                        "sumG += dy[index];",
                        "sumGX += dy[index] * ((x[index] - mean) * inverseStd);");
                    WriteBatchNormSums(w, bn, "sumG", "sumGX", k: null);
                    if (inputGradient)
                    {
                        w.Line("// dx = k · (dy - mean(dy) - x̂ · mean(dy · x̂)).");
                        w.Line("float meanG = sumG / rows, meanGX = sumGX / rows;");
                        WriteRowLoop(w, last: true,
                            "int index = r * Features + f;",
                            "dx[index] = k * (dy[index] - meanG - (x[index] - mean) * inverseStd * meanGX);");
                    }

                    break;
            }
        });
    }

    /// <summary>Reduces BN's two sums, writes dgamma = Σg·x̂ and dbeta = Σg, and the k · mean terms.</summary>
    private void WriteBatchNormSums(SourceWriter w, int bn, string sumG, string sumGX, string? k)
    {
        var spec = (BatchNormalizationSpec)_plan.Layers[bn].Spec;
        w.Line($"{sumG} = SumOverRowLanes(partial, {sumG});");
        w.Line($"{sumGX} = SumOverRowLanes(partial, {sumGX});");
        if (spec.Scale || spec.Center)
        {
            w.Open("if (active && lane == 0)");
            if (spec.Scale)
            {
                w.Line($"gradients[GammaOffset + f] = {sumGX};");
            }

            if (spec.Center)
            {
                w.Line($"gradients[BetaOffset + f] = {sumG};");
            }

            w.Close();
            w.Line();
        }

        if (k is not null)
        {
            w.Line($"float kMeanG = {k} * ({sumG} / rows), kMeanGX = {k} * ({sumGX} / rows);");
        }
    }

    private static void WriteBiasGradient(SourceWriter w, bool bias, string sum)
    {
        if (!bias)
        {
            return;
        }

        w.Line($"{sum} = SumOverRowLanes(partial, {sum});");
        w.Open("if (active && lane == 0)");
        w.Line($"gradients[BiasOffset + f] = {sum};");
        w.Close();
    }
}
