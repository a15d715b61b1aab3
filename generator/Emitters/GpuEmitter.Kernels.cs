using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shared;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// The kernels: static methods of the Gpu class whose sizes and weight offsets are constants in their bodies. Each
// factory below returns the kernel for one layer or fused group; the passes (GpuEmitter.Passes.cs) register and
// launch them. Conventions inside a kernel:
//   - views are whole device buffers; `rows` (or `count`) bounds what is used;
//   - grid-stride loops (`FirstIndex`, `GridStride`) so that any grid covers any size;
//   - weights are read from `parameters` / `state` at constant offsets (Keras's get_weights() layout), gradients
//     written to `gradients` at the same offsets;
//   - a conv2d is a Dense over its im2col matrix [rows · positions, kh · kw · in] (Keras's kernel [kh, kw, in, out]
//     read as [kh · kw · in, out]); its products read that matrix through a device function ({Layer}Patch) that
//     indexes the image, so no matrix is ever stored; a pointwise (1x1, stride 1) conv2d reads its input as is.

internal sealed partial class GpuEmitter
{
    private const string V = "global::ILGPU.ArrayView<float>";
    private const string VInt = "global::ILGPU.ArrayView<int>";
    private const string Group = "global::ILGPU.Group";
    private const string Grid = "global::ILGPU.Grid";
    private const string Shared = "global::ILGPU.SharedMemory";

    private static (string, string) P(string type, string name) => (type, name);

    /// <summary>Whether a Dense's or conv2d's matrix products run in shared-memory tiles (the plan's decision).</summary>
    private bool IsTiled(int dense) => _plan.Layers[dense].GpuTiled;

    /// <summary>How a product reads row i, column k of a layer's input matrix: the input itself for a Dense (and a
    /// pointwise conv2d), the conv2d's patch function for its im2col matrix.</summary>
    private string InputMatrix(int layer, string i, string k)
    {
        if (!_layout.Cpu.HasColumns(layer))
        {
            return $"x[{i} * Inputs + {k}]";
        }

        _patchFunctions.Add(layer);
        return $"{PatchFunction(layer)}(x, {i}, {k})";
    }

    private string PatchFunction(int layer) => Pascal(_plan.Layers[layer].Name) + "Patch";

    /// <summary>The conv2d layers whose patch functions the kernels call.</summary>
    private readonly SortedSet<int> _patchFunctions = new();

    private TensorPlan? Tensor(int layer, TensorRole role)
    {
        foreach (TensorPlan tensor in _plan.Tensors)
        {
            if (tensor.Layer == layer && tensor.Role == role)
            {
                return tensor;
            }
        }

        return null;
    }

    private string Offset(int layer, TensorRole role) => Int(Tensor(layer, role)!.Offset);

    // ---------------------------------------------------------------------------------------------------------------
    // Matrix products.

    /// <summary>What the forward product of a Dense does with each value before storing it.</summary>
    private sealed record Epilogue(
        ActivationKind Before,
        int BatchNormalization,
        ActivationKind After,
        bool StoreZ,
        string Description);

    /// <summary>
    /// A Dense's forward product <c>x · kernel + bias</c> with an epilogue: store z (the pre-activation, kept for the
    /// backward pass), apply an activation, BatchNormalization with moving statistics (inference), another activation.
    /// </summary>
    private GpuKernel DenseForwardKernel(string name, int dense, Epilogue epilogue)
    {
        LayerPlan layer = _plan.Layers[dense];
        long inputs = InputsOf(layer);
        int units = UnitsOf(layer);
        bool useBias = UseBiasOf(layer), conv = layer.Spec is Conv2DSpec;
        bool tiled = IsTiled(dense);
        var parameters = new List<(string, string)> { P(V, "x"), P(V, "parameters") };
        if (epilogue.BatchNormalization >= 0)
        {
            parameters.Add(P(V, "state"));
        }

        if (epilogue.StoreZ)
        {
            parameters.Add(P(V, "z"));
        }

        parameters.Add(P(V, "y"));
        parameters.Add(P("int", "rows"));
        string product = conv
            ? $"<c>columns · kernel{(useBias ? " + bias" : string.Empty)}</c>, its im2col matrix [{PositionRowsText(layer)}, {Int(inputs)}] (read from the image) x [{Int(inputs)}, {Int(units)}]"
            : $"<c>x · kernel{(useBias ? " + bias" : string.Empty)}</c>, [rows, {Int(inputs)}] x [{Int(inputs)}, {Int(units)}]";
        string summary = $"{layer.Name}: {product}, {epilogue.Description}; "
            + (tiled ? "16 x 16 tiles through shared memory." : "one thread per output value.");
        return new GpuKernel(name, summary, tiled ? GpuLaunch.Tiles : GpuLaunch.Elements, parameters, w =>
        {
            var constants = new List<string> { $"Inputs = {Int(inputs)}", $"Units = {Int(units)}", $"KernelOffset = {Offset(dense, TensorRole.Kernel)}" };
            if (useBias)
            {
                constants.Add($"BiasOffset = {Offset(dense, TensorRole.Bias)}");
            }

            w.Line($"const int {string.Join(", ", constants)};");
            WriteBatchNormConstants(w, epilogue.BatchNormalization, inference: true);
            WriteProduct(
                w,
                tiled,
                rowCount: "rows",
                columnCount: "Units",
                depth: "Inputs",
                a: InputMatrix(dense, "{i}", "{k}"),
                b: "parameters[KernelOffset + {k} * Units + {j}]",
                store: (s, sum, i, j) =>
                {
                    s.Line($"int index = {i} * Units + {j};");
                    s.Line($"float value = {sum}{(useBias ? $" + parameters[BiasOffset + {j}]" : string.Empty)};");
                    if (epilogue.StoreZ)
                    {
                        s.Line("z[index] = value;");
                    }

                    if (epilogue.Before != ActivationKind.Linear)
                    {
                        s.Line($"value = {ActivationCall(epilogue.Before, "value")};");
                    }

                    if (epilogue.BatchNormalization >= 0)
                    {
                        s.Line($"value = {BatchNormInferenceExpression(epilogue.BatchNormalization, "value", j)};");
                    }

                    if (epilogue.After != ActivationKind.Linear)
                    {
                        s.Line($"value = {ActivationCall(epilogue.After, "value")};");
                    }

                    s.Line("y[index] = value;");
                });
        });
    }

    /// <summary>The kernel gradient of a Dense: <c>dW = xᵀ · dz</c>, [inputs, rows] x [rows, units].</summary>
    private GpuKernel KernelGradientKernel(int dense)
    {
        LayerPlan layer = _plan.Layers[dense];
        long inputs = InputsOf(layer);
        int units = UnitsOf(layer);
        bool tiled = IsTiled(dense);
        string x = _layout.Cpu.HasColumns(dense) ? "columnsᵀ · dz" : "xᵀ · dz";
        string rows = PositionRowsText(layer);
        string summary = $"{layer.Name}'s kernel gradient <c>{x}</c>, [{Int(inputs)}, {rows}] x [{rows}, {Int(units)}]; "
            + (tiled ? "16 x 16 tiles through shared memory." : "one thread per weight.");
        return new GpuKernel(Pascal(layer.Name) + "KernelGradient", summary, tiled ? GpuLaunch.Tiles : GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "dz"), P(V, "gradients"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Inputs = {Int(inputs)}, Units = {Int(units)}, KernelOffset = {Offset(dense, TensorRole.Kernel)};");
                WriteProduct(
                    w,
                    tiled,
                    rowCount: "Inputs",
                    columnCount: "Units",
                    depth: "rows",
                    a: InputMatrix(dense, "{k}", "{i}"),
                    b: "dz[{k} * Units + {j}]",
                    store: (s, sum, i, j) => s.Line($"gradients[KernelOffset + {i} * Units + {j}] = {sum};"));
            });
    }

    /// <summary>The input gradient of a Dense: <c>dx = dz · Wᵀ</c>, [rows, units] x [units, inputs].</summary>
    private GpuKernel InputGradientKernel(int dense)
    {
        LayerPlan layer = _plan.Layers[dense];
        long inputs = InputsOf(layer);
        int units = UnitsOf(layer);
        bool tiled = IsTiled(dense);
        string rows = PositionRowsText(layer);
        string summary = $"{layer.Name}'s input gradient <c>dz · kernelᵀ</c>, [{rows}, {Int(units)}] x [{Int(units)}, {Int(inputs)}]; "
            + (tiled ? "16 x 16 tiles through shared memory." : "one thread per value.");
        return new GpuKernel(Pascal(layer.Name) + "InputGradient", summary, tiled ? GpuLaunch.Tiles : GpuLaunch.Elements,
            new[] { P(V, "dz"), P(V, "parameters"), P(V, "dx"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Inputs = {Int(inputs)}, Units = {Int(units)}, KernelOffset = {Offset(dense, TensorRole.Kernel)};");
                WriteProduct(
                    w,
                    tiled,
                    rowCount: "rows",
                    columnCount: "Inputs",
                    depth: "Units",
                    a: "dz[{i} * Units + {k}]",
                    b: "parameters[KernelOffset + {j} * Units + {k}]",
                    store: (s, sum, i, j) => s.Line($"dx[{i} * Inputs + {j}] = {sum};"));
            });
    }

    /// <summary>
    /// The body of a matrix product <c>C[rowCount, columnCount] = Σ_k A(i, k) · B(k, j)</c>. Simple: one thread per
    /// output value in a grid-stride loop. Tiled: each group computes a 16 x 16 tile of C, staging 16 x 16 tiles of A
    /// and B in shared memory (each loaded once per group instead of once per thread) and accumulating the tile in
    /// shared memory, so that any group size works (the threads share out the tile's values). Both sum k in order.
    /// </summary>
    private static void WriteProduct(
        SourceWriter w, bool tiled, string rowCount, string columnCount, string depth, string a, string b,
        System.Action<SourceWriter, string, string, string> store)
    {
        static string At(string template, string i, string k, string j) => template.Replace("{i}", i).Replace("{k}", k).Replace("{j}", j);

        if (!tiled)
        {
            w.Open($"for (int index0 = FirstIndex, count = {rowCount} * {columnCount}; index0 < count; index0 += GridStride)");
            w.Line($"int i = index0 / {columnCount}, j = index0 - i * {columnCount};");
            w.Line("float sum = 0f;");
            w.Open($"for (int k = 0; k < {depth}; k++)");
            w.Line($"sum += {At(a, "i", "k", "j")} * {At(b, "i", "k", "j")};");
            w.Close();
            w.Line();
            store(w, "sum", "i", "j");
            w.Close();
            return;
        }

        w.Line($"var aTile = {Shared}.Allocate<float>(TileSize * TileSize);");
        w.Line($"var bTile = {Shared}.Allocate<float>(TileSize * TileSize);");
        w.Line($"var cTile = {Shared}.Allocate<float>(TileSize * TileSize);");
        w.Line($"int thread = {Group}.IdxX, threads = {Group}.DimX;");
        w.Line($"int row0 = {Grid}.IdxY * TileSize, column0 = {Grid}.IdxX * TileSize;");
        w.Open("for (int e = thread; e < TileSize * TileSize; e += threads)");
        w.Line("cTile[e] = 0f;");
        w.Close();
        w.Line();
        w.Open($"for (int k0 = 0; k0 < {depth}; k0 += TileSize)");
        w.Line("// Stage A[row0.., k0..] and B[k0.., column0..]; zeros outside the matrices.");
        w.Open("for (int e = thread; e < TileSize * TileSize; e += threads)");
        w.Line("int r = e / TileSize, c = e - r * TileSize;");
        w.Line("int i = row0 + r, k = k0 + c;");
        w.Line($"aTile[e] = i < {rowCount} && k < {depth} ? {At(a, "i", "k", "j")} : 0f;");
        w.Line("int kb = k0 + r, j = column0 + c;");
        w.Line($"bTile[e] = kb < {depth} && j < {columnCount} ? {At(b, "i", "kb", "j")} : 0f;");
        w.Close();
        w.Line();
        w.Line($"{Group}.Barrier();");
        w.Open("for (int e = thread; e < TileSize * TileSize; e += threads)");
        w.Line("int r = e / TileSize, c = e - r * TileSize;");
        w.Line("float sum = cTile[e];");
        w.Open("for (int k = 0; k < TileSize; k++)");
        w.Line("sum += aTile[r * TileSize + k] * bTile[k * TileSize + c];");
        w.Close();
        w.Line();
        w.Line("cTile[e] = sum;");
        w.Close();
        w.Line();
        w.Line($"{Group}.Barrier();");
        w.Close();
        w.Line();
        w.Open("for (int e = thread; e < TileSize * TileSize; e += threads)");
        w.Line("int i = row0 + e / TileSize, j = column0 + e % TileSize;");
        w.Open($"if (i < {rowCount} && j < {columnCount})");
        store(w, "cTile[e]", "i", "j");
        w.Close();
        w.Close();
    }

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

    // ---------------------------------------------------------------------------------------------------------------
    // Row and elementwise kernels.

    /// <summary>Softmax over each row, one thread per row: <c>e^(x - max) / Σ e^(x - max)</c>, the sum in double.</summary>
    private static GpuKernel SoftmaxKernel(string name, string what, int features) =>
        new(name, $"{what}: softmax over each row of {Int(features)} values, one thread per row.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(features)};");
                w.Open("for (int r = FirstIndex; r < rows; r += GridStride)");
                w.Line("int o = r * Features;");
                w.Line("float max = x[o];");
                w.Open("for (int c = 1; c < Features; c++)");
                w.Line("max = x[o + c] > max ? x[o + c] : max;");
                w.Close();
                w.Line();
                w.Line("double sum = 0;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("float e = global::System.MathF.Exp(x[o + c] - max);");
                w.Line("y[o + c] = e;");
                w.Line("sum += e;");
                w.Close();
                w.Line();
                w.Line("float total = (float)sum;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("y[o + c] /= total;");
                w.Close();
                w.Close();
            });

    /// <summary>The softmax Jacobian-vector product per row: <c>dx = y · (dy - Σ dy·y)</c>.</summary>
    private static GpuKernel SoftmaxBackwardKernel(string name, string what, int features) =>
        new(name, $"{what}: the softmax's backward pass dx = y · (dy - Σ dy·y), one thread per row.", GpuLaunch.Elements,
            new[] { P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(features)};");
                w.Open("for (int r = FirstIndex; r < rows; r += GridStride)");
                w.Line("int o = r * Features;");
                w.Line("double dot = 0;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("dot += (double)y[o + c] * dy[o + c];");
                w.Close();
                w.Line();
                w.Line("float d = (float)dot;");
                w.Open("for (int c = 0; c < Features; c++)");
                w.Line("dx[o + c] = y[o + c] * (dy[o + c] - d);");
                w.Close();
                w.Close();
            });

    /// <summary>An Activation layer on its own, one thread per value.</summary>
    private GpuKernel ActivationForwardKernel(string name, string what, ActivationKind activation) =>
        new(name, $"{what}: {Names.Of(activation)}, one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line($"y[index] = {ActivationCall(activation, "x[index]")};");
                w.Close();
            });

    /// <summary>The backward pass of an Activation layer on its own, one thread per value.</summary>
    private GpuKernel ActivationBackwardKernel(string name, string what, ActivationKind activation) =>
        new(name, $"{what}: dx = {Names.Of(activation)}'(x) · dy, one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(V, "dy"), P(V, "dx"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line($"dx[index] = {ActivationBackwardCall(activation, "x[index]", "y[index]", "dy[index]")};");
                w.Close();
            });

    /// <summary>Inverted dropout in training: a mask drawn from a counter-based hash of (seed, step, index).</summary>
    private static GpuKernel DropoutForwardKernel(LayerPlan layer, DropoutSpec dropout) =>
        new(Pascal(layer.Name) + "Forward",
            $"{layer.Name} in training: keeps each value with probability 1 - {Num(dropout.Rate)}, scaled by 1 / (1 - rate); the mask is a hash of (seed, step, index), the same on every device.",
            GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "mask"), P(V, "y"), P("int", "count"), P("uint", "seed"), P("uint", "step") },
            w =>
            {
                w.Line($"const float Rate = {F(dropout.Rate)}, Keep = 1f / (1f - Rate);");
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("float m = DropoutUniform(seed, step, index) < Rate ? 0f : Keep;");
                w.Line("mask[index] = m;");
                w.Line("y[index] = x[index] * m;");
                w.Close();
            });

    private static GpuKernel DropoutBackwardKernel(LayerPlan layer) =>
        new(Pascal(layer.Name) + "Backward", $"{layer.Name}'s backward pass: dx = dy · mask.", GpuLaunch.Elements,
            new[] { P(V, "dy"), P(V, "mask"), P(V, "dx"), P("int", "count") },
            w =>
            {
                w.Open("for (int index = FirstIndex; index < count; index += GridStride)");
                w.Line("dx[index] = dy[index] * mask[index];");
                w.Close();
            });

    // ---------------------------------------------------------------------------------------------------------------
    // Loss, optimizer, batches.

    /// <summary>
    /// The batch loss (Keras's, with its clipping) and the number of correct predictions, reduced in one group through
    /// shared memory into <c>results[2 slot]</c> and <c>results[2 slot + 1]</c>; with <c>withGradient</c> also the loss
    /// gradient (fused through the final sigmoid/softmax where the plan says so).
    /// </summary>
    private GpuKernel LossKernel(CompileSpec compile)
    {
        bool fused = _plan.FusesLossGradient;
        bool accuracy = HasAccuracy(compile);
        string gradientText = fused
            ? (compile.Loss == LossKind.BinaryCrossentropy ? "dL/dz through the sigmoid, (p - y) / count" : "dL/dz through the softmax")
            : "dL/d(output)";
        string summary = $"{Names.Of(compile.Loss)} over the batch{(accuracy ? " and the correct predictions" : string.Empty)}, reduced in one group; with withGradient, {gradientText}.";
        return new GpuKernel("Loss", summary, GpuLaunch.SingleGroup,
            new[] { P(V, "output"), P(V, "labels"), P(V, "gradient"), P(V, "results"), P("int", "rows"), P("int", "slot"), P("int", "withGradient") },
            w =>
            {
                w.Line($"const int Outputs = {Int(_plan.OutputSize)};");
                if (compile.Loss != LossKind.MeanSquaredError)
                {
                    w.Line("const float Epsilon = 1E-07f, OneMinusEpsilon = 1f - Epsilon; // Keras's probability clip");
                }

                w.Line($"var lossPartial = {Shared}.Allocate<double>(MaxGroupSize);");
                w.Line($"var correctPartial = {Shared}.Allocate<int>(MaxGroupSize);");
                w.Line($"int thread = {Group}.IdxX, threads = {Group}.DimX;");
                w.Line("double loss = 0;");
                w.Line("int correct = 0;");
                switch (compile.Loss)
                {
                    case LossKind.BinaryCrossentropy:
                        w.Line("int count = rows * Outputs;");
                        w.Open("for (int i = thread; i < count; i += threads)");
                        w.Line("float p = output[i], t = labels[i];");
                        w.Line("float pc = p < Epsilon ? Epsilon : p > OneMinusEpsilon ? OneMinusEpsilon : p;");
                        w.Line("loss -= t * global::System.Math.Log(pc) + (1.0 - t) * global::System.Math.Log(1.0 - pc);");
                        w.Line("bool clipped = !(p >= Epsilon && p <= OneMinusEpsilon);");
                        w.Open("if (withGradient != 0)");
                        w.Line(fused
                            ? "gradient[i] = clipped ? 0f : (p - t) * (1f / count);"
                            : "gradient[i] = clipped ? 0f : (float)((-(t / (double)p) + (1.0 - t) / (1.0 - p)) / count);");
                        w.Close();
                        if (accuracy)
                        {
                            w.Line();
                            w.Line("correct += (p > 0.5f ? 1f : 0f) == t ? 1 : 0;");
                        }

                        w.Close();
                        break;
                    case LossKind.MeanSquaredError:
                        w.Line("int count = rows * Outputs;");
                        w.Open("for (int i = thread; i < count; i += threads)");
                        w.Line("float d = output[i] - labels[i];");
                        w.Line("loss += (double)d * d;");
                        w.Open("if (withGradient != 0)");
                        w.Line("gradient[i] = d * (2f / count);");
                        w.Close();
                        w.Close();
                        break;
                    default:
                        bool sparse = compile.Loss == LossKind.SparseCategoricalCrossentropy;
                        w.Line("int count = rows;");
                        w.Line("double inverseRows = 1.0 / rows;");
                        w.Open("for (int r = thread; r < rows; r += threads)");
                        w.Line("int o = r * Outputs;");
                        if (sparse)
                        {
                            w.Line("int target = (int)labels[r]; // a class index (checked on the host for host spans)");
                        }

                        w.Line("double sum = 0;");
                        w.Open("for (int c = 0; c < Outputs; c++)");
                        w.Line("sum += output[o + c];");
                        w.Close();
                        w.Line();
                        w.Line("// Keras renormalizes by the row's sum and clips; w = Σ y over the unclipped classes.");
                        string label = sparse ? "(c == target ? 1f : 0f)" : "labels[o + c]";
                        w.Line("double weight = 0;");
                        w.Open("for (int c = 0; c < Outputs; c++)");
                        w.Line($"float t = {label};");
                        w.Line("float q = (float)(output[o + c] / sum);");
                        w.Line("float qc = q < Epsilon ? Epsilon : q > OneMinusEpsilon ? OneMinusEpsilon : q;");
                        w.Open("if (t != 0f)");
                        w.Line("loss -= t * global::System.Math.Log(qc);");
                        w.Close();
                        w.Line();
                        w.Open("if (q >= Epsilon && q <= OneMinusEpsilon)");
                        w.Line("weight += t;");
                        w.Close();
                        w.Close();
                        w.Line();
                        w.Open("if (withGradient != 0)");
                        w.Open("for (int c = 0; c < Outputs; c++)");
                        w.Line($"float t = {label};");
                        w.Line("float q = (float)(output[o + c] / sum);");
                        w.Line("double wc = q >= Epsilon && q <= OneMinusEpsilon ? t : 0.0;");
                        w.Line(fused
                            ? "gradient[o + c] = (float)((weight * output[o + c] / sum - wc) * inverseRows);"
                            : "gradient[o + c] = (float)((weight - (wc == 0.0 ? 0.0 : wc / q)) / sum * inverseRows);");
                        w.Close();
                        w.Close();
                        if (accuracy)
                        {
                            w.Line();
                            w.Line("int best = 0;");
                            w.Open("for (int c = 1; c < Outputs; c++)");
                            w.Line("best = output[o + c] > output[o + best] ? c : best;");
                            w.Close();
                            w.Line();
                            if (sparse)
                            {
                                w.Line("correct += best == target ? 1 : 0;");
                            }
                            else
                            {
                                w.Line("int expected = 0;");
                                w.Open("for (int c = 1; c < Outputs; c++)");
                                w.Line("expected = labels[o + c] > labels[o + expected] ? c : expected;");
                                w.Close();
                                w.Line();
                                w.Line("correct += best == expected ? 1 : 0;");
                            }
                        }

                        w.Close();
                        break;
                }

                w.Line();
                w.Line("lossPartial[thread] = loss;");
                w.Line("correctPartial[thread] = correct;");
                w.Line($"{Group}.Barrier();");
                w.Open("for (int half = threads / 2; half > 0; half /= 2)");
                w.Open("if (thread < half)");
                w.Line("lossPartial[thread] += lossPartial[thread + half];");
                w.Line("correctPartial[thread] += correctPartial[thread + half];");
                w.Close();
                w.Line();
                w.Line($"{Group}.Barrier();");
                w.Close();
                w.Line();
                w.Open("if (thread == 0)");
                w.Line("results[2 * slot] = (float)(lossPartial[0] / count);");
                w.Line("results[2 * slot + 1] = correctPartial[0];");
                w.Close();
            });
    }

    /// <summary>The optimizer step over every trainable value, one thread per value.</summary>
    private GpuKernel OptimizerKernel(CompileSpec compile)
    {
        int count = _plan.TrainableLength;
        if (compile.Optimizer == OptimizerKind.Adam)
        {
            return new GpuKernel("Adam",
                $"Keras 3's Adam over the {Int(count)} trainable values (beta_1 {Num(compile.Beta1)}, beta_2 {Num(compile.Beta2)}, epsilon {Num(compile.Epsilon)}); alpha = lr · sqrt(1 - β2^t) / (1 - β1^t) comes from the host.",
                GpuLaunch.Elements,
                new[] { P(V, "parameters"), P(V, "gradients"), P(V, "m"), P(V, "v"), P("float", "alpha") },
                w =>
                {
                    w.Line($"const int Count = {Int(count)};");
                    w.Line($"const float OneMinusBeta1 = 1f - {F(compile.Beta1)}, OneMinusBeta2 = 1f - {F(compile.Beta2)}, Epsilon = {F(compile.Epsilon)};");
                    w.Open("for (int i = FirstIndex; i < Count; i += GridStride)");
                    w.Line("float g = gradients[i];");
                    w.Line("float mi = m[i] + (g - m[i]) * OneMinusBeta1;");
                    w.Line("float vi = v[i] + (g * g - v[i]) * OneMinusBeta2;");
                    w.Line("m[i] = mi;");
                    w.Line("v[i] = vi;");
                    w.Line("parameters[i] -= mi * alpha / (global::System.MathF.Sqrt(vi) + Epsilon);");
                    w.Close();
                });
        }

        if (compile.Momentum == 0)
        {
            return new GpuKernel("Sgd", $"SGD over the {Int(count)} trainable values: w -= lr · g.", GpuLaunch.Elements,
                new[] { P(V, "parameters"), P(V, "gradients"), P("float", "learningRate") },
                w =>
                {
                    w.Line($"const int Count = {Int(count)};");
                    w.Open("for (int i = FirstIndex; i < Count; i += GridStride)");
                    w.Line("parameters[i] -= learningRate * gradients[i];");
                    w.Close();
                });
        }

        string update = compile.Nesterov ? "Momentum * velocity - step" : "velocity";
        return new GpuKernel("Sgd",
            $"SGD with momentum {Num(compile.Momentum)}{(compile.Nesterov ? " (Nesterov)" : string.Empty)} over the {Int(count)} trainable values: v = momentum · v - lr · g; w += {(compile.Nesterov ? "momentum · v - lr · g" : "v")}.",
            GpuLaunch.Elements,
            new[] { P(V, "parameters"), P(V, "gradients"), P(V, "velocities"), P("float", "learningRate") },
            w =>
            {
                w.Line($"const int Count = {Int(count)};");
                w.Line($"const float Momentum = {F(compile.Momentum)};");
                w.Open("for (int i = FirstIndex; i < Count; i += GridStride)");
                w.Line("float step = learningRate * gradients[i];");
                w.Line("float velocity = Momentum * velocities[i] - step;");
                w.Line("velocities[i] = velocity;");
                w.Line($"parameters[i] += {update};");
                w.Close();
            });
    }

    /// <summary>Gathers the rows of a shuffled batch: <c>batch[i] = data[order[start + i]]</c> for inputs and labels.</summary>
    private GpuKernel GatherKernel() =>
        new("GatherBatch", "Fit's shuffled batch: rows order[start..start + count) of the inputs and labels, one thread per value.", GpuLaunch.Elements,
            new[] { P(V, "x"), P(V, "y"), P(VInt, "order"), P(V, "batchX"), P(V, "batchY"), P("int", "start"), P("int", "count") },
            w =>
            {
                w.Line($"const int InputValues = {Int(_plan.InputSize)}, LabelValues = {Int(_plan.LabelSize)};");
                w.Open("for (int index = FirstIndex; index < count * InputValues; index += GridStride)");
                w.Line("int r = index / InputValues;");
                w.Line("batchX[index] = x[order[start + r] * InputValues + index - r * InputValues];");
                w.Close();
                w.Line();
                w.Open("for (int index = FirstIndex; index < count * LabelValues; index += GridStride)");
                w.Line("int r = index / LabelValues;");
                w.Line("batchY[index] = y[order[start + r] * LabelValues + index - r * LabelValues];");
                w.Close();
            });

    // ---------------------------------------------------------------------------------------------------------------
    // Activations as device functions.

    private readonly SortedSet<ActivationKind> _activations = new();
    private readonly SortedSet<ActivationKind> _activationBackwards = new();

    private string ActivationCall(ActivationKind activation, string x)
    {
        if (activation == ActivationKind.Linear)
        {
            return x;
        }

        _activations.Add(activation);
        return $"{activation}({x})";
    }

    /// <summary>dy · act'(x) given x (the activation's input) and y (its output): gelu and swish need x, the others y.</summary>
    private string ActivationBackwardCall(ActivationKind activation, string x, string y, string dy)
    {
        switch (activation)
        {
            case ActivationKind.Linear:
                return dy;
            case ActivationKind.Gelu:
            case ActivationKind.Swish:
                _activationBackwards.Add(activation);
                return $"{activation}Backward({x}, {dy})";
            default:
                _activationBackwards.Add(activation);
                return $"{activation}Backward({y}, {dy})";
        }
    }

    /// <summary>The activations the kernels call, as static device functions (Keras 3's constants).</summary>
    private void WriteActivationFunctions(SourceWriter w)
    {
        bool erf = false;
        foreach (ActivationKind activation in _activations)
        {
            string body = activation switch
            {
                ActivationKind.Relu => "x < 0f ? 0f : x", // NaN stays NaN, as on the CPU
                ActivationKind.Tanh => "global::System.MathF.Tanh(x)",
                ActivationKind.Sigmoid => "1f / (1f + global::System.MathF.Exp(-x))",
                ActivationKind.Elu => "x > 0f ? x : global::System.MathF.Exp(x) - 1f",
                ActivationKind.LeakyRelu => "x > 0f ? x : x * 0.2f",
                ActivationKind.Gelu => "0.5f * x * (1f + Erf(x * 0.70710677f))", // 1 / sqrt(2)
                _ => "x * (1f / (1f + global::System.MathF.Exp(-x)))",
            };
            erf |= activation == ActivationKind.Gelu;
            w.Line($"/// <summary>{Names.Of(activation)}(x){ActivationNote(activation)}.</summary>");
            w.Line($"private static float {activation}(float x) => {body};");
            w.Line();
        }

        foreach (ActivationKind activation in _activationBackwards)
        {
            (string Parameters, string Body) f = activation switch
            {
                ActivationKind.Relu => ("float y, float dy", "y > 0f ? dy : 0f"),
                ActivationKind.Tanh => ("float y, float dy", "dy * (1f - y * y)"),
                ActivationKind.Sigmoid => ("float y, float dy", "dy * (y * (1f - y))"),
                ActivationKind.Elu => ("float y, float dy", "y > 0f ? dy : dy * (y + 1f)"),
                ActivationKind.LeakyRelu => ("float y, float dy", "y > 0f ? dy : dy * 0.2f"),
                ActivationKind.Gelu => ("float x, float dy", "dy * (x * (0.3989423f * global::System.MathF.Exp(-0.5f * x * x)) + (0.5f * Erf(x * 0.70710677f) + 0.5f))"),
                _ => ("float x, float dy", "dy * (1f / (1f + global::System.MathF.Exp(-x)) * (x * (1f - 1f / (1f + global::System.MathF.Exp(-x))) + 1f))"),
            };
            erf |= activation == ActivationKind.Gelu;
            string given = f.Parameters.StartsWith("float x", System.StringComparison.Ordinal) ? "its input x" : "its output y";
            w.Line($"/// <summary>dy · {Names.Of(activation)}'(x), from {given}.</summary>");
            w.Line($"private static float {activation}Backward({f.Parameters}) => {f.Body};");
            w.Line();
        }

        if (erf)
        {
            w.Line("/// <summary>erf(x): the rational approximation of the CPU backend (odd degree 13 over even degree 8 on [-4, 4]).</summary>");
            w.Open("private static float Erf(float x)");
            w.Line($"x = x < -{F(ErfApproximation.Limit)} ? -{F(ErfApproximation.Limit)} : x > {F(ErfApproximation.Limit)} ? {F(ErfApproximation.Limit)} : x;");
            w.Line("float x2 = x * x;");
            double[] numerator = ErfApproximation.Numerator(), denominator = ErfApproximation.Denominator();
            w.Line($"float p = {F(numerator[0])};");
            foreach (double c in numerator.Skip(1))
            {
                w.Line($"p = x2 * p + {F(c)};");
            }

            w.Line("p = x * p;");
            w.Line($"float q = {F(denominator[0])};");
            foreach (double c in denominator.Skip(1))
            {
                w.Line($"q = x2 * q + {F(c)};");
            }

            w.Line("return p / q;");
            w.Close();
            w.Line();
        }
    }

    private static string ActivationNote(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyRelu => ", negative slope 0.2",
        ActivationKind.Elu => ", alpha 1",
        ActivationKind.Gelu => ", the exact (erf) form",
        _ => string.Empty,
    };
}
