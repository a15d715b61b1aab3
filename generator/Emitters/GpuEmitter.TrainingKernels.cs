using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shared;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// The training step's own kernels on the GPU (conventions: GpuEmitter.Kernels.cs): the loss and its gradient, the
// optimizer's update, and Fit's batch gather.
internal sealed partial class GpuEmitter
{
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
}
