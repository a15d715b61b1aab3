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
}
