using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

internal static partial class CpuEmitter
{
    /// <summary>Samples per chunk of <c>Predict</c>: large inputs run in chunks so buffers stay small and in cache.</summary>
    private const int PredictChunk = 256;

    /// <summary>The most samples one inference pass runs (and the per-thread buffers hold, from Predict).</summary>
    private static int PredictChunkOf(ModelPlan plan) => System.Math.Max(PredictChunk, plan.PlannedBatchSize);

    /// <summary>The statement that lets the kernels of a call use up to <c>MaxDegreeOfParallelism</c> threads.</summary>
    internal const string EnterParallelism =
        "using global::ModelGen.CompilerServices.Parallelism.Scope parallel = global::ModelGen.CompilerServices.Parallelism.Enter(_maxDegreeOfParallelism);";

    /// <summary><c>MaxDegreeOfParallelism</c> (SPEC §3, "Threads") and its field.</summary>
    private static void WriteParallelism(SourceWriter writer, ModelPlan plan)
    {
        string calls = plan.Compile is null ? "<see cref=\"Predict\"/>" : "<see cref=\"Predict\"/>, <see cref=\"TrainOnBatch\"/>, <see cref=\"Evaluate\"/> or <see cref=\"Fit\"/>";
        writer.Line("private int _maxDegreeOfParallelism = global::ModelGen.CompilerServices.Parallelism.DefaultDegree;");
        writer.Line();
        writer.Line($"/// <summary>How many threads one call of {calls}");
        writer.Line("/// may use: every processor unless set (<see cref=\"global::System.Environment.ProcessorCount\"/>); 1 runs on the calling");
        writer.Line("/// thread only, -1 means every processor. Only matrix products large enough to gain are split; the results are");
        writer.Line("/// bit-identical for every value.</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is 0 or below -1.</exception>");
        writer.Line(Generated);
        writer.Open("public int MaxDegreeOfParallelism");
        writer.Line("get => _maxDegreeOfParallelism;");
        writer.Line("set => _maxDegreeOfParallelism = global::ModelGen.CompilerServices.Parallelism.CheckDegree(value);");
        writer.Close();
        writer.Line();
    }

    /// <summary><c>Predict</c> and the inference-mode forward pass (moving statistics, no dropout).</summary>
    private static void WriteInference(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        WriteParallelism(writer, plan);
        writer.Line("/// <summary>Runs the model in inference mode (BatchNormalization uses its moving statistics, Dropout passes everything)");
        writer.Line($"/// on <c>x</c>, <c>[batch, {Int(plan.InputSize)}]</c> row-major, writing <c>y</c>, <c>[batch, {Int(plan.OutputSize)}]</c>.</summary>");
        writer.Line($"/// <param name=\"x\">The inputs: a whole number of samples of <see cref=\"InputSize\"/> values.</param>");
        writer.Line($"/// <param name=\"y\">Receives the outputs: <see cref=\"OutputSize\"/> values per sample.</param>");
        writer.Line("/// <remarks>Any number of threads may call this at once on one instance: each runs in its own buffers, in parallel,");
        writer.Line("/// with the outputs of a call made alone. While another thread trains, the outputs are those of the weights before or");
        writer.Line("/// after a complete training step.</remarks>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit; the message gives the expected length.</exception>");
        writer.Line(Generated);
        writer.Open("public void Predict(global::System.ReadOnlySpan<float> x, global::System.Span<float> y)");
        writer.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, OutputSize, nameof(y), \"OutputSize\");");
        writer.Line($"int chunk = global::System.Math.Min(rows, {Int(PredictChunkOf(plan))});");
        writer.Line($"InferenceBuffers {CpuLayout.InferenceBuffersLocal} = InferenceBuffers.ForCurrentThread(chunk);");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope read = EnterInference();");
        writer.Line(EnterParallelism);
        writer.Open("for (int start = 0; start < rows; start += chunk)");
        writer.Line("int count = global::System.Math.Min(chunk, rows - start);");
        writer.Line($"ForwardInference({CpuLayout.InferenceBuffersLocal}, x.Slice(start * InputSize, count * InputSize), y.Slice(start * OutputSize, count * OutputSize), count);");
        writer.Close();
        writer.Close();
        writer.Line();

        writer.Line("/// <summary>The inference-mode forward pass of <paramref name=\"rows\"/> samples in the calling thread's buffers, the last");
        writer.Line("/// layer writing into <paramref name=\"y\"/>. Runs in a read section (see <c>EnterInference</c>).</summary>");
        writer.Open($"private void ForwardInference(InferenceBuffers {CpuLayout.InferenceBuffersLocal}, global::System.ReadOnlySpan<float> x, global::System.Span<float> y, int rows)");
        int last = layout.Count - 1;
        foreach (FusionGroup group in plan.Groups)
        {
            if (WriteGroupForward(writer, plan, layout, group, training: false))
            {
                continue;
            }

            for (int i = group.First; i <= LastOf(group); i++)
            {
                if (layout.IsIdentity(i, training: false))
                {
                    int target = plan.FoldTarget(i);
                    writer.Line(target >= 0
                        ? $"// {Describe(layout.Layer(i))}: folded into {plan.Layers[target].Name}."
                        : $"// {Describe(layout.Layer(i))}: identity at inference.");
                    continue;
                }

                WriteLayerForward(writer, plan, layout, i, training: false, output: Out(layout, i, training: false));
            }
        }

        if (layout.IsIdentity(last, training: false))
        {
            writer.Line($"{layout.Output(last, training: false)}.CopyTo(y);");
        }

        writer.Close();
        writer.Line();
    }

    /// <summary>One layer's forward pass in either mode, writing <paramref name="output"/>.</summary>
    private static void WriteLayerForward(SourceWriter writer, ModelPlan plan, CpuLayout layout, int i, bool training, string output)
    {
        LayerPlan layer = layout.Layer(i);
        string input = layout.Input(i, training);
        writer.Line($"// {Describe(layer)}");
        switch (layer.Spec)
        {
            case DenseSpec or Conv2DSpec:
            {
                int units = UnitsOf(layer);
                ActivationKind activation = ActivationOf(layer);
                string rows = PositionRows(layer);
                string z = layout.HasPreActivation(i) ? CpuLayout.Rows(layout.Buffer(i, "PreActivation", training), layer.Output.Size) : output;
                bool folded = !training && layout.UsesFoldedWeights(i);
                string kernel = folded ? StoragePlanner.Pascal(layer.Name) + "FoldedKernel" : TensorMember(plan, i, TensorRole.Kernel);
                WriteIm2Col(writer, layout, i, training);
                writer.Line($"{Kernels}Gemm.Multiply({layout.WeightsInput(i, training)}, {kernel}, {z}, {rows}, {Int(InputsOf(layer))}, {Int(units)}, accumulate: false);");
                if (folded || UseBiasOf(layer))
                {
                    string bias = folded ? StoragePlanner.Pascal(layer.Name) + "FoldedBias" : TensorMember(plan, i, TensorRole.Bias);
                    writer.Line($"{Kernels}Bias.Add({z}, {bias}, {rows}, {Int(units)});");
                }

                if (activation != ActivationKind.Linear)
                {
                    writer.Line($"{Kernels}Activations.Forward({ActivationName(activation)}, {z}, {output}, {Int(units)});");
                }

                break;
            }

            case LayerSpec spec when PoolingLayers.Of(spec) is { } pooling:
                writer.Line($"{Kernels}Pooling.{(pooling.Average ? "Average" : "Max")}Forward({input}, {output}, rows, {WindowOf(layout, i)});");
                break;

            case LstmSpec:
            {
                string weights = LstmWeights(plan, i);
                if (training)
                {
                    (long saved, long _) = BufferPlanner.LstmWidths(layer, trainable: true);
                    writer.Line($"{Kernels}Lstm.ForwardTraining({input}, {weights}, {CpuLayout.Rows(layout.Field(i, "Saved"), saved)}, {output}, rows, {LstmSizes(layer)});");
                }
                else
                {
                    (long _, long workspace) = BufferPlanner.LstmWidths(layer, trainable: false);
                    writer.Line($"{Kernels}Lstm.ForwardInference({input}, {weights}, {CpuLayout.Rows(layout.Buffer(i, "Workspace", training), workspace)}, {output}, rows, {LstmSizes(layer)});");
                }

                break;
            }

            case GruSpec:
            {
                string weights = GruWeights(plan, i);
                (long saved, long workspace) = BufferPlanner.GruWidths(layer);
                if (training)
                {
                    writer.Line($"{Kernels}Gru.ForwardTraining({input}, {weights}, {CpuLayout.Rows(layout.Field(i, "Saved"), saved)}, {CpuLayout.Rows(layout.Field(i, "Workspace"), workspace)}, {output}, rows, {GruSizes(layer)});");
                }
                else
                {
                    writer.Line($"{Kernels}Gru.ForwardInference({input}, {weights}, {CpuLayout.Rows(layout.Buffer(i, "Workspace", training), workspace)}, {output}, rows, {GruSizes(layer)});");
                }

                break;
            }

            case BatchNormalizationSpec bn:
            {
                // BN normalizes the last axis: a sequence's or image's positions are rows of their own.
                string features = Int(layer.Output.Last);
                string rows = PositionRows(layer);
                string gamma = bn.Scale ? TensorMember(plan, i, TensorRole.Gamma) : "global::System.ReadOnlySpan<float>.Empty";
                string beta = bn.Center ? TensorMember(plan, i, TensorRole.Beta) : "global::System.ReadOnlySpan<float>.Empty";
                // Training updates the staged moving statistics, which its commit makes current.
                string mean = TensorMember(plan, i, TensorRole.MovingMean) + (training ? "Staged" : string.Empty);
                string variance = TensorMember(plan, i, TensorRole.MovingVariance) + (training ? "Staged" : string.Empty);
                if (training)
                {
                    writer.Line($"{Kernels}BatchNormalization.ForwardTraining({input}, {output}, {rows}, {features}, {gamma}, {beta}, epsilon: {F(bn.Epsilon)}, momentum: {F(bn.Momentum)},");
                    writer.Line($"    {mean}, {variance}, {layout.Field(i, "Mean")}, {layout.Field(i, "InverseStd")}, {CpuLayout.Rows(layout.Field(i, "Xhat"), layer.Output.Size)});");
                }
                else
                {
                    writer.Line($"{Kernels}BatchNormalization.ForwardInference({input}, {output}, {rows}, {features}, {gamma}, {beta}, {mean}, {variance}, epsilon: {F(bn.Epsilon)});");
                }

                break;
            }

            case ActivationSpec activation:
                writer.Line($"{Kernels}Activations.Forward({ActivationName(activation.Activation)}, {input}, {output}, {Int(layer.Output.Last)});");
                break;

            case DropoutSpec dropout:
            {
                string mask = CpuLayout.Rows(layout.Field(i, "Mask"), layer.Output.Size);
                writer.Line($"{Kernels}Dropout.GenerateMask({mask}, rate: {F(dropout.Rate)}, ref {layout.Field(i, "Random")});");
                writer.Line($"{Kernels}Dropout.Forward({input}, {mask}, {output});");
                break;
            }
        }
    }

    /// <summary>An lstm's kernel, recurrent kernel and bias, as the arguments of the Lstm kernels.</summary>
    private static string LstmWeights(ModelPlan plan, int layer) =>
        $"{TensorMember(plan, layer, TensorRole.Kernel)}, {TensorMember(plan, layer, TensorRole.RecurrentKernel)}, {TensorMember(plan, layer, TensorRole.Bias)}";

    /// <summary>A gru's kernel, recurrent kernel and bias, as the arguments of the Gru kernels.</summary>
    private static string GruWeights(ModelPlan plan, int layer) => LstmWeights(plan, layer);

    /// <summary>A gru's timesteps, features, units, activations, return_sequences and reset_after, as the Gru kernels' last arguments.</summary>
    private static string GruSizes(LayerPlan layer)
    {
        var gru = (GruSpec)layer.Spec;
        return $"{Int(layer.Input.D0)}, {Int(layer.Input.D1)}, {Int(gru.Units)}, {ActivationName(gru.Activation)}, {ActivationName(gru.RecurrentActivation)}, returnSequences: {(gru.ReturnSequences ? "true" : "false")}, resetAfter: {(gru.ResetAfter ? "true" : "false")}";
    }

    /// <summary>An lstm's timesteps, features, units, activations and return_sequences, as the Lstm kernels' last arguments.</summary>
    private static string LstmSizes(LayerPlan layer)
    {
        var lstm = (LstmSpec)layer.Spec;
        return $"{Int(layer.Input.D0)}, {Int(layer.Input.D1)}, {Int(lstm.Units)}, {ActivationName(lstm.Activation)}, {ActivationName(lstm.RecurrentActivation)}, returnSequences: {(lstm.ReturnSequences ? "true" : "false")}";
    }

    private static string TensorMember(ModelPlan plan, int layer, TensorRole role)
    {
        foreach (TensorPlan tensor in plan.Tensors)
        {
            if (tensor.Layer == layer && tensor.Role == role)
            {
                return tensor.Member;
            }
        }

        throw new System.InvalidOperationException($"Layer {layer} has no {role} tensor.");
    }
}
