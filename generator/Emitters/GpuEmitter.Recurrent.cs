using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

// The lstm's kernels. Forward: one product for every timestep's input projection x · kernel + bias, then one launch
// per timestep in which each thread owns one (sample, unit): it adds h_{t-1} · recurrent for its four gates, applies
// the activations and updates its cell. Backward (through time, last step first): one launch per timestep in which
// each thread turns dL/dh and dL/dc of its (sample, unit) into the four gates' dz, then products over every timestep
// for the kernel, recurrent kernel and input gradients. Each launch sees the previous one's results (launches on one
// stream run in order), each thread writes only its own values: no atomics, the same sums on every run.
//
// The layer's "Steps" buffer holds, per sample and timestep, 11 · units values: the pre-activations z (4u, gates
// i, f, c, o), the gates after their activations (4u), the cell c, activation(c) and the hidden state h (u each).
// "StepGradients" holds dz per sample and timestep (4u), then one carry of dL/dc per (sample, unit).

internal sealed partial class GpuEmitter
{
    /// <summary>The lstm's sizes a kernel uses, as constants (only those it names: an unused local constant is a warning).</summary>
    private static string LstmConstants(LayerPlan layer, bool timesteps, bool features, bool width)
    {
        var lstm = (LstmSpec)layer.Spec;
        var constants = new System.Collections.Generic.List<string>();
        if (timesteps)
        {
            constants.Add($"Timesteps = {Int(layer.Input.D0)}");
        }

        if (features)
        {
            constants.Add($"Features = {Int(layer.Input.D1)}");
        }

        constants.Add($"Units = {Int(lstm.Units)}");
        constants.Add("Gates = 4 * Units");
        if (width)
        {
            constants.Add($"Width = {Int(BufferPlanner.LstmStepValues)} * Units");
        }

        return "const int " + string.Join(", ", constants) + ";";
    }

    private void WriteLstmForward(SourceWriter w, int i, bool training)
    {
        LayerPlan layer = _layout.Layer(i);
        var lstm = (LstmSpec)layer.Spec;
        string steps = _layout.Steps(i);
        GpuKernel projection = Use(LstmProjectionKernel(i));
        string rows = $"rows * {Int(layer.Input.D0)}";
        Launch(w, projection, projection.Launch == GpuLaunch.Tiles ? Config(projection, rows, Int(4 * lstm.Units)) : Config(projection, $"{rows} * {Int(4 * lstm.Units)}"),
            _layout.Input(i, training), Params, steps, rows);
        GpuKernel step = Use(LstmStepKernel(i));
        w.Open($"for (int t = 0; t < {Int(layer.Input.D0)}; t++)");
        Launch(w, step, Config(step, $"rows * {Int(lstm.Units)}"), Params, steps, _layout.Out(i, training), "rows", "t");
        w.Close();
    }

    private void WriteLstmBackward(SourceWriter w, int i)
    {
        LayerPlan layer = _layout.Layer(i);
        var lstm = (LstmSpec)layer.Spec;
        string steps = _layout.Steps(i), deltas = _layout.StepGradients(i);
        string units = Int(lstm.Units), gates = Int(4 * lstm.Units), features = Int(layer.Input.D1);
        string rows = $"rows * {Int(layer.Input.D0)}";
        w.Line($"// {WeightsLayers.Describe(layer)}: backpropagation through time, then the gradients over every timestep");
        GpuKernel step = Use(LstmStepBackwardKernel(i));
        w.Open($"for (int t = {Int(layer.Input.D0 - 1)}; t >= 0; t--)");
        Launch(w, step, Config(step, $"rows * {units}"), Params, steps, _layout.Delta(i), deltas, "rows", "t");
        w.Close();
        GpuKernel kernelGradient = Use(LstmKernelGradientKernel(i));
        Launch(w, kernelGradient, kernelGradient.Launch == GpuLaunch.Tiles ? Config(kernelGradient, features, gates) : Config(kernelGradient, $"{features} * {gates}"),
            _layout.Input(i, training: true), deltas, Gradients, rows);
        GpuKernel recurrentGradient = Use(LstmRecurrentGradientKernel(i));
        Launch(w, recurrentGradient, recurrentGradient.Launch == GpuLaunch.Tiles ? Config(recurrentGradient, units, gates) : Config(recurrentGradient, $"{units} * {gates}"),
            steps, deltas, Gradients, rows);
        GpuKernel biasGradient = Use(LstmBiasGradientKernel(i));
        Launch(w, biasGradient, Config(biasGradient, gates), deltas, Gradients, rows);
        if (_layout.NeedsInputDelta(i))
        {
            GpuKernel inputGradient = Use(LstmInputGradientKernel(i));
            Launch(w, inputGradient, inputGradient.Launch == GpuLaunch.Tiles ? Config(inputGradient, rows, features) : Config(inputGradient, $"{rows} * {features}"),
                deltas, Params, _layout.Delta(i - 1), rows);
        }
    }

    /// <summary>One of the lstm's matrix products over every sample and timestep (<see cref="WriteProduct"/>): tiled when
    /// <paramref name="tiled"/>, else one thread per value; <paramref name="store"/> turns (sum, i, j) into the statement.</summary>
    private GpuKernel LstmProduct(
        int index, string suffix, string product, bool tiled, (string, string)[] parameters, string constants, string offset,
        string rowCount, string columnCount, string depth, string a, string b, System.Func<string, string, string, string> store)
    {
        LayerPlan layer = _plan.Layers[index];
        return new GpuKernel(Pascal(layer.Name) + suffix,
            $"{layer.Name}: {product}; " + (tiled ? "16 x 16 tiles through shared memory." : "one thread per value."),
            tiled ? GpuLaunch.Tiles : GpuLaunch.Elements,
            parameters,
            w =>
            {
                w.Line(constants);
                w.Line(offset);
                WriteProduct(w, tiled, rowCount, columnCount, depth, a, b, (s, sum, i, j) => s.Line(store(sum, i, j)));
            });
    }

    /// <summary>z = x · kernel + bias for every sample and timestep at once: [rows · T, F] x [F, 4u].</summary>
    private GpuKernel LstmProjectionKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        return LstmProduct(index, "Projection",
            $"every timestep's input projection <c>x · kernel + bias</c>, [rows · {Int(layer.Input.D0)}, {Int(layer.Input.D1)}] x [{Int(layer.Input.D1)}, {Int(4 * ((LstmSpec)layer.Spec).Units)}], into the pre-activations",
            layer.GpuTiled,
            new[] { P(V, "x"), P(V, "parameters"), P(V, "steps"), P("int", "rows") },
            LstmConstants(layer, timesteps: false, features: true, width: true),
            $"const int KernelOffset = {Offset(index, TensorRole.Kernel)}, BiasOffset = {Offset(index, TensorRole.Bias)};",
            rowCount: "rows", columnCount: "Gates", depth: "Features",
            a: "x[{i} * Features + {k}]",
            b: "parameters[KernelOffset + {k} * Gates + {j}]",
            store: (sum, i, j) => $"steps[{i} * Width + {j}] = {sum} + parameters[BiasOffset + {j}];");
    }

    /// <summary>One timestep: z += h_{t-1} · recurrent, the gates, the cell and the hidden state, one thread per (sample, unit).</summary>
    private GpuKernel LstmStepKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        var lstm = (LstmSpec)layer.Spec;
        return new GpuKernel(Pascal(layer.Name) + "Step",
            $"{layer.Name}: timestep t, one thread per (sample, unit): the recurrent product h_{{t-1}} · recurrent_kernel for its four gates, "
            + $"i, f, o = {Names.Of(lstm.RecurrentActivation)}, g = {Names.Of(lstm.Activation)}, c = f · c_{{t-1}} + i · g, h = o · {Names.Of(lstm.Activation)}(c).",
            GpuLaunch.Elements,
            new[] { P(V, "parameters"), P(V, "steps"), P(V, "y"), P("int", "rows"), P("int", "t") },
            w =>
            {
                w.Line(LstmConstants(layer, timesteps: true, features: false, width: true));
                w.Line($"const int RecurrentOffset = {Offset(index, TensorRole.RecurrentKernel)};");
                w.Open("for (int index = FirstIndex; index < rows * Units; index += GridStride)");
                w.Line("int r = index / Units, j = index - r * Units;");
                w.Line("int row = r * Timesteps + t, at = row * Width;");
                w.Line("float zi = steps[at + j], zf = steps[at + Units + j], zc = steps[at + 2 * Units + j], zo = steps[at + 3 * Units + j];");
                w.Line("float previousCell = 0f;");
                w.Open("if (t > 0)");
                w.Line("int previous = (row - 1) * Width;");
                w.Open("for (int k = 0; k < Units; k++)");
                w.Line("float hk = steps[previous + 10 * Units + k]; // h_(t-1) of unit k");
                w.Line("int weights = RecurrentOffset + k * Gates + j;");
                w.Line("zi += hk * parameters[weights];");
                w.Line("zf += hk * parameters[weights + Units];");
                w.Line("zc += hk * parameters[weights + 2 * Units];");
                w.Line("zo += hk * parameters[weights + 3 * Units];");
                w.Close();
                w.Line();
                w.Line("previousCell = steps[previous + 8 * Units + j];");
                w.Close();
                w.Line();
                w.Line($"float i = {ActivationCall(lstm.RecurrentActivation, "zi")}, f = {ActivationCall(lstm.RecurrentActivation, "zf")}, g = {ActivationCall(lstm.Activation, "zc")}, o = {ActivationCall(lstm.RecurrentActivation, "zo")};");
                w.Line("float c = f * previousCell + i * g;");
                w.Line($"float activated = {ActivationCall(lstm.Activation, "c")};");
                w.Line("float h = o * activated;");
                w.Line("steps[at + j] = zi;");
                w.Line("steps[at + Units + j] = zf;");
                w.Line("steps[at + 2 * Units + j] = zc;");
                w.Line("steps[at + 3 * Units + j] = zo;");
                w.Line("steps[at + 4 * Units + j] = i;");
                w.Line("steps[at + 5 * Units + j] = f;");
                w.Line("steps[at + 6 * Units + j] = g;");
                w.Line("steps[at + 7 * Units + j] = o;");
                w.Line("steps[at + 8 * Units + j] = c;");
                w.Line("steps[at + 9 * Units + j] = activated;");
                w.Line("steps[at + 10 * Units + j] = h;");
                if (lstm.ReturnSequences)
                {
                    w.Line("y[row * Units + j] = h;");
                }
                else
                {
                    w.Open("if (t == Timesteps - 1)");
                    w.Line("y[index] = h;");
                    w.Close();
                }

                w.Close();
            });
    }

    /// <summary>One timestep of backpropagation through time, one thread per (sample, unit).</summary>
    private GpuKernel LstmStepBackwardKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        var lstm = (LstmSpec)layer.Spec;
        ActivationKind a = lstm.Activation, ra = lstm.RecurrentActivation;
        return new GpuKernel(Pascal(layer.Name) + "StepBackward",
            $"{layer.Name}: timestep t of backpropagation through time, one thread per (sample, unit): dL/dh from the output and from step t + 1's dz · recurrent_kernelᵀ, "
            + "dL/dc carried from step t + 1, then the four gates' dz.",
            GpuLaunch.Elements,
            new[] { P(V, "parameters"), P(V, "steps"), P(V, "dy"), P(V, "deltas"), P("int", "rows"), P("int", "t") },
            w =>
            {
                w.Line(LstmConstants(layer, timesteps: true, features: false, width: true));
                w.Line($"const int RecurrentOffset = {Offset(index, TensorRole.RecurrentKernel)};");
                w.Line("int carries = rows * Timesteps * Gates; // dL/dc_t · f_t for step t - 1, per (sample, unit)");
                w.Open("for (int index = FirstIndex; index < rows * Units; index += GridStride)");
                w.Line("int r = index / Units, j = index - r * Units;");
                w.Line("int row = r * Timesteps + t, at = row * Width, d = row * Gates;");
                w.Line(lstm.ReturnSequences
                    ? "float dh = dy[row * Units + j];"
                    : "float dh = t == Timesteps - 1 ? dy[index] : 0f;");
                w.Line("float carry = 0f;");
                w.Open("if (t < Timesteps - 1)");
                w.Line("// h_t fed step t + 1's four gates: dh += dz_{t+1} · recurrent_kernel[j, :]ᵀ.");
                w.Line("int next = d + Gates, weights = RecurrentOffset + j * Gates;");
                w.Open("for (int q = 0; q < Gates; q++)");
                w.Line("dh += deltas[next + q] * parameters[weights + q];");
                w.Close();
                w.Line();
                w.Line("carry = deltas[carries + index];");
                w.Close();
                w.Line();
                w.Line("float i = steps[at + 4 * Units + j], f = steps[at + 5 * Units + j], g = steps[at + 6 * Units + j], o = steps[at + 7 * Units + j];");
                w.Line("float c = steps[at + 8 * Units + j], activated = steps[at + 9 * Units + j];");
                w.Line("float previousCell = t > 0 ? steps[at - Width + 8 * Units + j] : 0f;");
                w.Line($"float dc = carry + {ActivationBackwardCall(a, "c", "activated", "dh * o")};");
                w.Line("deltas[carries + index] = dc * f;");
                w.Line($"deltas[d + j] = {ActivationBackwardCall(ra, "steps[at + j]", "i", "dc * g")};");
                w.Line($"deltas[d + Units + j] = {ActivationBackwardCall(ra, "steps[at + Units + j]", "f", "dc * previousCell")};");
                w.Line($"deltas[d + 2 * Units + j] = {ActivationBackwardCall(a, "steps[at + 2 * Units + j]", "g", "dc * i")};");
                w.Line($"deltas[d + 3 * Units + j] = {ActivationBackwardCall(ra, "steps[at + 3 * Units + j]", "o", "dh * activated")};");
                w.Close();
            });
    }

    /// <summary>dkernel = xᵀ · dz over every sample and timestep: [F, rows · T] x [rows · T, 4u].</summary>
    private GpuKernel LstmKernelGradientKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        return LstmProduct(index, "KernelGradient", "the kernel gradient <c>xᵀ · dz</c> over every timestep",
            layer.GpuTiled,
            new[] { P(V, "x"), P(V, "deltas"), P(V, "gradients"), P("int", "rows") },
            LstmConstants(layer, timesteps: false, features: true, width: false),
            $"const int KernelOffset = {Offset(index, TensorRole.Kernel)};",
            rowCount: "Features", columnCount: "Gates", depth: "rows",
            a: "x[{k} * Features + {i}]",
            b: "deltas[{k} * Gates + {j}]",
            store: (sum, i, j) => $"gradients[KernelOffset + {i} * Gates + {j}] = {sum};");
    }

    /// <summary>drecurrent = Σ_t h_{t-1}ᵀ · dz_t: [u, rows · T] x [rows · T, 4u], h_{-1} = 0. Row k of the product is
    /// (sample, step); its h_(t-1) is the previous row's h, none at step 0, where the product reads its own row (always
    /// there) and multiplies by 0, so that no read leaves the buffer.</summary>
    private GpuKernel LstmRecurrentGradientKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        return LstmProduct(index, "RecurrentGradient", "the recurrent kernel gradient <c>Σ_t h_(t-1)ᵀ · dz_t</c>",
            layer.GpuTiledRecurrent,
            new[] { P(V, "steps"), P(V, "deltas"), P(V, "gradients"), P("int", "rows") },
            LstmConstants(layer, timesteps: true, features: false, width: true),
            $"const int RecurrentOffset = {Offset(index, TensorRole.RecurrentKernel)};",
            rowCount: "Units", columnCount: "Gates", depth: "rows",
            a: "(({k}) % Timesteps == 0 ? 0f : steps[(({k}) - (({k}) % Timesteps == 0 ? 0 : 1)) * Width + 10 * Units + {i}])",
            b: "deltas[{k} * Gates + {j}]",
            store: (sum, i, j) => $"gradients[RecurrentOffset + {i} * Gates + {j}] = {sum};");
    }

    /// <summary>dbias = Σ dz over every sample and timestep: a group per few gate columns, as a Dense's bias gradient.</summary>
    private GpuKernel LstmBiasGradientKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        return new GpuKernel(Pascal(layer.Name) + "BiasGradient",
            $"{layer.Name}'s bias gradient: Σ dz over every sample and timestep, a shared-memory reduction over the row lanes per gate column.",
            GpuLaunch.Features,
            new[] { P(V, "dz"), P(V, "gradients"), P("int", "rows") },
            w =>
            {
                w.Line($"const int Features = {Int(4 * ((LstmSpec)layer.Spec).Units)}, BiasOffset = {Offset(index, TensorRole.Bias)};");
                WriteFeatureHeader(w);
                w.Line();
                w.Line("float sum = 0f;");
                WriteRowLoop(w, "sum += dz[r * Features + f];");
                WriteBiasGradient(w, bias: true, "sum");
            });
    }

    /// <summary>dx = dz · kernelᵀ for every sample and timestep: [rows · T, 4u] x [4u, F].</summary>
    private GpuKernel LstmInputGradientKernel(int index)
    {
        LayerPlan layer = _plan.Layers[index];
        return LstmProduct(index, "InputGradient", "the input gradient <c>dz · kernelᵀ</c> at every timestep",
            layer.GpuTiled,
            new[] { P(V, "deltas"), P(V, "parameters"), P(V, "dx"), P("int", "rows") },
            LstmConstants(layer, timesteps: false, features: true, width: false),
            $"const int KernelOffset = {Offset(index, TensorRole.Kernel)};",
            rowCount: "rows", columnCount: "Features", depth: "Gates",
            a: "deltas[{i} * Gates + {k}]",
            b: "parameters[KernelOffset + {j} * Gates + {k}]",
            store: (sum, i, j) => $"dx[{i} * Features + {j}] = {sum};");
    }
}
