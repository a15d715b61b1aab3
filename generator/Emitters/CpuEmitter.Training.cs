using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

internal static partial class CpuEmitter
{
    /// <summary>TrainOnBatch, the training-mode forward pass, the loss, the backward pass, the optimizer, Evaluate, Fit.</summary>
    private static void WriteTraining(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        CompileSpec compile = plan.Compile!;
        WriteTrainingApi(writer, plan, compile);
        WriteForwardTraining(writer, plan, layout);
        WriteLoss(writer, plan, layout, compile);
        WriteBackward(writer, plan, layout);
        WriteOptimizer(writer, plan, compile);
        WriteEvaluate(writer, plan, compile);
    }

    private static string LossName(LossKind loss) => "global::ModelGen.Loss." + loss;

    private static void WriteTrainingApi(SourceWriter writer, ModelPlan plan, CompileSpec compile)
    {
        string labels = compile.Loss switch
        {
            LossKind.BinaryCrossentropy => "<c>[batch, 1]</c> of 0 or 1",
            LossKind.SparseCategoricalCrossentropy => $"<c>[batch]</c> class indices in [0, {Int(plan.OutputSize)})",
            LossKind.CategoricalCrossentropy => $"<c>[batch, {Int(plan.OutputSize)}]</c> one-hot",
            _ => $"<c>[batch, {Int(plan.OutputSize)}]</c> targets",
        };
        Member(writer, "Label values per sample: 1 for binary and sparse labels, one per output otherwise.", $"public const int LabelSize = {Int(plan.LabelSize)};");
        writer.Line("int global::ModelGen.ITrainableModel.LabelSize => LabelSize;");
        writer.Line();
        writer.Line($"bool global::ModelGen.ITrainableModel.HasAccuracy => {SourceWriter.Literal(HasAccuracy(compile))};");
        writer.Line();

        writer.Line("/// <summary>One optimizer step in training mode (batch statistics, dropout on) on a batch; returns the batch loss,");
        writer.Line("/// computed before the step as Keras's <c>train_on_batch</c> does. A loss that is not finite is returned without");
        writer.Line("/// the step: weights and moving statistics stay as they were.</summary>");
        writer.Line("/// <param name=\"x\">The inputs, <c>[batch, InputSize]</c> row-major.</param>");
        writer.Line($"/// <param name=\"y\">The labels, {labels}.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit, a label is out of range, or a batch of one sample meets BatchNormalization.</exception>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training this instance; nothing changed.</exception>");
        writer.Line(Generated);
        writer.Line("public float TrainOnBatch(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y) => TrainStep(x, y, out _);");
        writer.Line();
        writer.Line("float global::ModelGen.CompilerServices.ITrainingStep.TrainStep(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, out int correct) => TrainStep(x, y, out correct);");
        writer.Line();

        writer.Open("private float TrainStep(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, out int correct)");
        writer.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
        if (plan.HasBatchNormalization)
        {
            writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchNormalizationBatch(rows);");
        }

        WriteLabelCheck(writer, plan, compile);
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"TrainOnBatch\");");
        writer.Line(EnterParallelism);
        writer.Line("EnsureCapacity(rows);");
        if (plan.HasBatchNormalization)
        {
            writer.Line("global::System.Array.Copy(_state, _stagedState, _state.Length);");
        }

        writer.Line();
        writer.Line("// Forward and backward passes read the weights and write only this instance's training buffers: inference on");
        writer.Line("// other threads goes on meanwhile. The step's changes are committed at once by ApplyGradients.");
        writer.Line("ForwardTraining(x, rows);");
        writer.Line("float loss = LossAndOutputGradient(y, rows, out correct);");
        writer.Open("if (!float.IsFinite(loss))");
        writer.Line("return loss; // nothing committed: weights and moving statistics stay as they were");
        writer.Close();
        writer.Line();
        writer.Line("Backward(x, rows);");
        writer.Line("ApplyGradients();");
        writer.Line("return loss;");
        writer.Close();
        writer.Line();

        writer.Line("/// <summary>Trains the model as Keras's <c>fit</c> does: epochs of shuffled batches, validation, callbacks, a progress bar.</summary>");
        writer.Line("/// <param name=\"x\">The inputs, <c>[samples, InputSize]</c> row-major.</param>");
        writer.Line($"/// <param name=\"y\">The labels, {labels}.</param>");
        writer.Line("/// <param name=\"options\">Epochs, batch size, validation, callbacks (Keras's defaults when null).</param>");
        writer.Line("/// <returns>The loss and metrics of every epoch.</returns>");
        writer.Line("/// <exception cref=\"global::ModelGen.TrainingStoppedException\">The loss stopped being finite; the exception names the epoch and batch, and the weights are those before that batch.</exception>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training this instance; nothing changed.</exception>");
        writer.Line(Generated);
        writer.Open("public global::ModelGen.History Fit(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, global::ModelGen.FitOptions? options = null)");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"Fit\");");
        writer.Line("return global::ModelGen.CompilerServices.FitLoop.Run(this, x, y, options);");
        writer.Close();
        writer.Line();
    }

    private static bool HasAccuracy(CompileSpec compile) => compile.Accuracy && compile.Loss != LossKind.MeanSquaredError;

    private static void WriteLabelCheck(SourceWriter writer, ModelPlan plan, CompileSpec compile)
    {
        switch (compile.Loss)
        {
            case LossKind.BinaryCrossentropy:
                writer.Line($"{Kernels}Labels.ValidateBinary(y);");
                break;
            case LossKind.SparseCategoricalCrossentropy:
                writer.Line($"{Kernels}Labels.ValidateSparse(y, {Int(plan.OutputSize)});");
                break;
            case LossKind.CategoricalCrossentropy:
                writer.Line($"{Kernels}Labels.ValidateCategorical(y, {Int(plan.OutputSize)});");
                break;
        }
    }

    private static void WriteForwardTraining(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        writer.Line("/// <summary>The training-mode forward pass: batch statistics (moving statistics updated), dropout masks drawn.</summary>");
        writer.Open("private void ForwardTraining(global::System.ReadOnlySpan<float> x, int rows)");
        foreach (FusionGroup group in plan.Groups)
        {
            if (WriteGroupForward(writer, plan, layout, group, training: true))
            {
                continue;
            }

            for (int i = group.First; i <= LastOf(group); i++)
            {
                if (layout.IsIdentity(i, training: true))
                {
                    writer.Line($"// {Describe(layout.Layer(i))}: identity.");
                    continue;
                }

                WriteLayerForward(writer, plan, layout, i, training: true, output: layout.Output(i, training: true));
            }
        }

        writer.Close();
        writer.Line();
    }

    /// <summary>Where the fused sigmoid/softmax + cross-entropy gradient goes (the plan's decision): the last Dense's
    /// pre-activation gradient, or the gradient of the input of a final Activation layer. Null when the loss goes the
    /// general way.</summary>
    private static string? FusedGradientTarget(ModelPlan plan, CpuLayout layout) => plan.FusedLossGradient is { } target ? layout.Span(target) : null;

    private static void WriteLoss(SourceWriter writer, ModelPlan plan, CpuLayout layout, CompileSpec compile)
    {
        int last = layout.Count - 1;
        string output = layout.Output(last, training: true);
        string classes = Int(plan.OutputSize);
        string? fused = FusedGradientTarget(plan, layout);
        writer.Line("/// <summary>The batch loss of the training-mode outputs, with Keras's clipping, and its gradient for the backward pass.</summary>");
        writer.Open("private float LossAndOutputGradient(global::System.ReadOnlySpan<float> y, int rows, out int correct)");
        writer.Line($"global::System.ReadOnlySpan<float> output = {output};");
        if (fused is not null)
        {
            writer.Line(compile.Loss switch
            {
                LossKind.BinaryCrossentropy => "// Sigmoid + binary cross-entropy: dL/dz = (p - y) / batch, straight into the sigmoid's input.",
                _ => "// Softmax + cross-entropy: dL/dz = (p - y) / batch, straight into the softmax's input.",
            });
            writer.Line("float loss = " + compile.Loss switch
            {
                LossKind.BinaryCrossentropy => $"{Kernels}Losses.BinaryCrossentropySigmoidGradient(output, y, {fused});",
                LossKind.SparseCategoricalCrossentropy => $"{Kernels}Losses.SparseCategoricalCrossentropySoftmaxGradient(output, y, {fused}, {classes});",
                _ => $"{Kernels}Losses.CategoricalCrossentropySoftmaxGradient(output, y, {fused}, {classes});",
            });
        }
        else
        {
            writer.Line($"float loss = {Kernels}Losses.Compute({LossName(compile.Loss)}, output, y, {layout.Delta(last)}, {classes});");
        }

        writer.Line("correct = " + (HasAccuracy(compile) ? Correct(compile, "output", "y", classes) : "0") + ";");
        writer.Line("return loss;");
        writer.Close();
        writer.Line();
    }

    private static string Correct(CompileSpec compile, string output, string labels, string classes) => compile.Loss switch
    {
        LossKind.BinaryCrossentropy => $"{Kernels}Metrics.BinaryCorrect({output}, {labels})",
        LossKind.SparseCategoricalCrossentropy => $"{Kernels}Metrics.SparseCategoricalCorrect({output}, {labels}, {classes})",
        _ => $"{Kernels}Metrics.CategoricalCorrect({output}, {labels}, {classes})",
    };

    private static void WriteBackward(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        string? fused = FusedGradientTarget(plan, layout);
        writer.Line("/// <summary>The backward pass: from the loss gradient to every trainable tensor's gradient, last layer first.</summary>");
        writer.Open("private void Backward(global::System.ReadOnlySpan<float> x, int rows)");
        for (int g = plan.Groups.Count - 1; g >= 0; g--)
        {
            FusionGroup group = plan.Groups[g];
            if (LastOf(group) < layout.FirstTrainable)
            {
                break;
            }

            if (WriteGroupBackward(writer, plan, layout, group, fused))
            {
                continue;
            }

            for (int i = LastOf(group); i >= System.Math.Max(group.First, layout.FirstTrainable); i--)
            {
                WriteLayerBackward(writer, plan, layout, i, fused);
            }
        }

        writer.Close();
        writer.Line();
    }

    /// <summary>One layer's backward pass, for layers outside fused groups.</summary>
    private static void WriteLayerBackward(SourceWriter writer, ModelPlan plan, CpuLayout layout, int i, string? fused)
    {
        int last = layout.Count - 1;
        LayerPlan layer = layout.Layer(i);
        bool fusedHere = fused is not null && i == last;
        string dOut = layout.Delta(i);
        string dIn = layout.NeedsInputDelta(i) ? layout.Delta(i - 1) : string.Empty;
        string input = layout.Input(i, training: true);
        switch (layer.Spec)
        {
            case DenseSpec or Conv2DSpec:
            {
                writer.Line($"// {Describe(layer)}");
                string units = Int(UnitsOf(layer));
                string dz = dOut;
                if (layout.HasPreActivation(i))
                {
                    dz = CpuLayout.Rows(layout.Field(i, "PreActivationDelta"), layer.Output.Size);
                    if (!fusedHere)
                    {
                        string z = CpuLayout.Rows(layout.Field(i, "PreActivation"), layer.Output.Size);
                        writer.Line($"{Kernels}Activations.Backward({ActivationName(ActivationOf(layer))}, {z}, {layout.Output(i, training: true)}, {dOut}, {dz}, {units});");
                    }
                }

                if (UseBiasOf(layer))
                {
                    writer.Line($"{Kernels}Bias.Gradient({dz}, {TensorMember(plan, i, TensorRole.Bias)}Gradient, {PositionRows(layer)}, {units});");
                }

                WriteDenseGemmsBackward(writer, plan, layout, i, dz);
                break;
            }

            case LstmSpec:
            {
                writer.Line($"// {Describe(layer)}: backpropagation through time");
                (long saved, long workspace) = BufferPlanner.LstmWidths(layer, trainable: true);
                string gradients = $"{TensorMember(plan, i, TensorRole.Kernel)}Gradient, {TensorMember(plan, i, TensorRole.RecurrentKernel)}Gradient, {TensorMember(plan, i, TensorRole.Bias)}Gradient";
                writer.Line($"{Kernels}Lstm.Backward({input}, {TensorMember(plan, i, TensorRole.Kernel)}, {TensorMember(plan, i, TensorRole.RecurrentKernel)}, {CpuLayout.Rows(layout.Field(i, "Saved"), saved)}, {dOut},");
                writer.Line($"    {(dIn.Length > 0 ? dIn : "global::System.Span<float>.Empty")}, {gradients}, {CpuLayout.Rows(layout.Field(i, "Workspace"), workspace)}, rows, {LstmSizes(layer)});");
                break;
            }

            case GruSpec:
            {
                writer.Line($"// {Describe(layer)}: backpropagation through time");
                (long saved, long workspace) = BufferPlanner.GruWidths(layer);
                string gradients = $"{TensorMember(plan, i, TensorRole.Kernel)}Gradient, {TensorMember(plan, i, TensorRole.RecurrentKernel)}Gradient, {TensorMember(plan, i, TensorRole.Bias)}Gradient";
                writer.Line($"{Kernels}Gru.Backward({input}, {TensorMember(plan, i, TensorRole.Kernel)}, {TensorMember(plan, i, TensorRole.RecurrentKernel)}, {CpuLayout.Rows(layout.Field(i, "Saved"), saved)}, {dOut},");
                writer.Line($"    {(dIn.Length > 0 ? dIn : "global::System.Span<float>.Empty")}, {gradients}, {CpuLayout.Rows(layout.Field(i, "Workspace"), workspace)}, rows, {GruSizes(layer)});");
                break;
            }

            case LayerSpec spec when dIn.Length > 0 && PoolingLayers.Of(spec) is { } pooling:
                writer.Line($"// {Describe(layer)}");
                writer.Line(pooling.Average
                    ? $"{Kernels}Pooling.AverageBackward({dOut}, {dIn}, rows, {WindowOf(layout, i)});"
                    : $"{Kernels}Pooling.MaxBackward({input}, {layout.Output(i, training: true)}, {dOut}, {dIn}, rows, {WindowOf(layout, i)});");
                break;

            case BatchNormalizationSpec bn:
            {
                writer.Line($"// {Describe(layer)}");
                string features = Int(layer.Output.Last);
                string gamma = bn.Scale ? TensorMember(plan, i, TensorRole.Gamma) : "global::System.ReadOnlySpan<float>.Empty";
                string dGamma = bn.Scale ? TensorMember(plan, i, TensorRole.Gamma) + "Gradient" : "global::System.Span<float>.Empty";
                string dBeta = bn.Center ? TensorMember(plan, i, TensorRole.Beta) + "Gradient" : "global::System.Span<float>.Empty";
                string target = dIn.Length > 0 ? dIn : layout.Delta(i - 1);
                writer.Line($"{Kernels}BatchNormalization.BackwardTraining({CpuLayout.Rows(layout.Field(i, "Xhat"), layer.Output.Size)}, {dOut}, {target}, {PositionRows(layer)}, {features},");
                writer.Line($"    {gamma}, {layout.Field(i, "InverseStd")}, {dGamma}, {dBeta}, accumulate: false);");
                break;
            }

            case ActivationSpec activation when dIn.Length > 0:
                writer.Line($"// {Describe(layer)}");
                if (fusedHere)
                {
                    writer.Line("// (its gradient came fused with the loss's)");
                    break;
                }

                writer.Line($"{Kernels}Activations.Backward({ActivationName(activation.Activation)}, {input}, {layout.Output(i, training: true)}, {dOut}, {dIn}, {Int(layer.Output.Last)});");
                break;

            case DropoutSpec { Rate: > 0 } when dIn.Length > 0:
                writer.Line($"// {Describe(layer)}");
                writer.Line($"{Kernels}Dropout.Backward({dOut}, {CpuLayout.Rows(layout.Field(i, "Mask"), layer.Output.Size)}, {dIn});");
                break;

            default:
                writer.Line($"// {Describe(layer)}: gradient passes through.");
                break;
        }
    }

    private static void WriteOptimizer(SourceWriter writer, ModelPlan plan, CompileSpec compile)
    {
        writer.Line($"private float _learningRate = {F(compile.LearningRate)};");
        writer.Line();
        writer.Line($"/// <summary>The optimizer's learning rate, Keras's <c>optimizer.learning_rate</c>: {Num(compile.LearningRate)} from <c>compile</c>, and settable");
        writer.Line("/// between steps (a schedule, a learning-rate sweep).</summary>");
        writer.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is not a positive finite number.</exception>");
        writer.Line(Generated);
        writer.Line("public float LearningRate");
        writer.Line("{");
        writer.Line("    get => _learningRate;");
        writer.Line("    set => _learningRate = global::ModelGen.CompilerServices.ModelInputs.CheckLearningRate(value);");
        writer.Line("}");
        writer.Line();
        string learningRate = compile.Decay == 0
            ? "_learningRate"
            : $"{Kernels}Optimizers.DecayedLearningRate(_learningRate, decay: {F(compile.Decay)}, _iterations)";
        if (compile.Optimizer == OptimizerKind.Adam)
        {
            writer.Line($"/// <summary>Adam (learning rate <see cref=\"LearningRate\"/>, beta_1 {Num(compile.Beta1)}, beta_2 {Num(compile.Beta2)}, epsilon {Num(compile.Epsilon)}{DecayText(compile)}) over every trainable value:");
            writer.Line("/// the step's commit, in the write section.</summary>");
            writer.Open("private void ApplyGradients()");
            writer.Line("using global::ModelGen.CompilerServices.ModelGuard.WriteScope write = _guard.Write();");
            writer.Line($"{Kernels}Optimizers.Adam(_parameters, _gradients, _adamM, _adamV, {learningRate}, beta1: {F(compile.Beta1)}, beta2: {F(compile.Beta2)}, epsilon: {F(compile.Epsilon)}, step: _iterations + 1);");
        }
        else
        {
            string velocity = compile.Momentum != 0 ? "_velocity" : "global::System.Span<float>.Empty";
            writer.Line($"/// <summary>SGD (learning rate <see cref=\"LearningRate\"/>, momentum {Num(compile.Momentum)}{(compile.Nesterov ? ", Nesterov" : string.Empty)}{DecayText(compile)}) over every trainable value:");
            writer.Line("/// the step's commit, in the write section.</summary>");
            writer.Open("private void ApplyGradients()");
            writer.Line("using global::ModelGen.CompilerServices.ModelGuard.WriteScope write = _guard.Write();");
            writer.Line($"{Kernels}Optimizers.Sgd(_parameters, _gradients, {velocity}, {learningRate}, momentum: {F(compile.Momentum)}, nesterov: {SourceWriter.Literal(compile.Nesterov)});");
        }

        if (plan.HasBatchNormalization)
        {
            writer.Line("global::System.Array.Copy(_stagedState, _state, _state.Length);");
        }

        writer.Line("_iterations++;");
        writer.Line("OnWeightsChanged();");
        writer.Close();
        writer.Line();
    }

    private static string Num(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string DecayText(CompileSpec compile) => compile.Decay == 0 ? string.Empty : ", decay " + Num(compile.Decay);

    private static void WriteEvaluate(SourceWriter writer, ModelPlan plan, CompileSpec compile)
    {
        string classes = Int(plan.OutputSize);
        writer.Line("/// <summary>The loss (mean over all samples) and accuracy of the model in inference mode, as Keras's <c>evaluate</c>.</summary>");
        writer.Line("/// <param name=\"x\">The inputs, <c>[samples, InputSize]</c> row-major.</param>");
        writer.Line("/// <param name=\"y\">The labels, as for <see cref=\"TrainOnBatch\"/>.</param>");
        writer.Line("/// <param name=\"batchSize\">Samples per inference batch.</param>");
        writer.Line("/// <remarks>Like <see cref=\"Predict\"/>, callable from any number of threads at once.</remarks>");
        writer.Line(Generated);
        writer.Open("public global::ModelGen.EvaluationResult Evaluate(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, int batchSize = 32)");
        writer.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
        writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchSize(batchSize, nameof(batchSize));");
        WriteLabelCheck(writer, plan, compile);
        writer.Line("int chunk = global::System.Math.Min(rows, batchSize);");
        writer.Line($"InferenceBuffers {CpuLayout.InferenceBuffersLocal} = InferenceBuffers.ForCurrentThread(chunk);");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope read = EnterInference();");
        writer.Line(EnterParallelism);
        writer.Line("double lossSum = 0;");
        if (HasAccuracy(compile))
        {
            writer.Line("long correct = 0;");
        }

        writer.Open("for (int start = 0; start < rows; start += chunk)");
        writer.Line("int count = global::System.Math.Min(chunk, rows - start);");
        writer.Line($"global::System.Span<float> output = {CpuLayout.InferenceBuffersLocal}.EvaluationOutput.AsSpan(0, count * OutputSize);");
        writer.Line("global::System.ReadOnlySpan<float> labels = y.Slice(start * LabelSize, count * LabelSize);");
        writer.Line($"ForwardInference({CpuLayout.InferenceBuffersLocal}, x.Slice(start * InputSize, count * InputSize), output, count);");
        writer.Line($"lossSum += (double){Kernels}Losses.Compute({LossName(compile.Loss)}, output, labels, global::System.Span<float>.Empty, {classes}) * count;");
        if (HasAccuracy(compile))
        {
            writer.Line($"correct += {Correct(compile, "output", "labels", classes)};");
        }

        writer.Close();
        writer.Line();
        writer.Line(HasAccuracy(compile)
            ? "return new global::ModelGen.EvaluationResult(lossSum / rows, (double)correct / rows);"
            : "return new global::ModelGen.EvaluationResult(lossSum / rows, double.NaN);");
        writer.Close();
        writer.Line();
    }
}
