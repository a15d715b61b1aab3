using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>
/// The planning stage itself: fusion and folding decisions, the fused loss gradient, and each backend's buffers with
/// their sizes and lifetimes, for both BatchNormalization placements, conv and lstm models; and, for every sample and
/// test model, that every buffer the plan lists is used by the code generated from it (a dead buffer fails here, not
/// only in a snapshot).
/// </summary>
public class PlanTests
{
    private static readonly MetadataReference Ilgpu = MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location);

    private static ModelPlan Plan(string text)
    {
        ModelDefinition model = ModelFileParser.Parse("/project/Models/M.model", SourceText.From(text), new ProjectOptions("Test", "/project/"), CancellationToken.None);
        Assert.DoesNotContain(ModelValidator.Validate(model, EquatableArray<ModelTypeEntry>.Empty), d => d.IsError);
        return ModelPlanner.Plan(model, referencesIlgpu: true, CancellationToken.None);
    }

    private static string[] List(EquatableArray<BufferPlan> buffers) =>
        buffers.Select(b => $"{b.Member} {b.Width} {b.Lifetime}").ToArray();

    private const string Circles = "compile loss=binary_crossentropy optimizer=sgd learning_rate=0.01 momentum=0.9\n";

    [Fact]
    public void BatchNormalizationAfterTheActivationFoldsIntoTheNextDense()
    {
        ModelPlan plan = Plan("model Test.M\ninput 2\ndense 50 activation=relu\nbatch_normalization\ndense 1 activation=sigmoid\n" + Circles);

        FusionGroup fused = plan.Groups[0];
        Assert.Equal((0, 2, FusionKind.WeightsActivationBatchNorm, 1, 2, true), (fused.First, fused.Count, fused.Kind, fused.BatchNormalization, fused.FoldInto, fused.RunsFused));
        Assert.Equal("GEMM + bias + relu + BN", fused.Description);
        Assert.True(plan.Layers[2].FoldsBatchNormalization);
        Assert.False(plan.Layers[0].FoldsBatchNormalization);
        Assert.Equal(new BufferRef(2, BufferKind.PreActivationDelta), plan.FusedLossGradient);
        Assert.Equal(0, plan.FirstTrainable);

        // The Dense's activated output gradient is never formed: BN's backward pass goes straight to dz.
        Assert.Equal(
            [
                "DenseOutput 50 ForwardToBackward", "DensePreActivation 50 ForwardToBackward", "DensePreActivationDelta 50 Backward",
                "BatchNormalizationOutput 50 ForwardToBackward", "BatchNormalizationDelta 50 Backward",
                "Dense1Output 1 ForwardToBackward", "Dense1PreActivation 1 Scratch", "Dense1PreActivationDelta 1 Backward",
            ],
            List(plan.CpuTrainingBuffers));

        // Inference: BN folded (no buffer), the last layer writes the caller's span.
        Assert.Equal(
            ["DenseOutput 50 Scratch", "DensePreActivation 50 Scratch", "Dense1PreActivation 1 Scratch", "EvaluationOutput 1 Forward"],
            List(plan.CpuInferenceBuffers));
    }

    [Fact]
    public void BatchNormalizationBeforeTheActivationRunsInsideTheFusedKernel()
    {
        ModelPlan plan = Plan("model Test.M\ninput 2\ndense 50\nbatch_normalization\nactivation relu\ndense 1 activation=sigmoid\n" + Circles);

        FusionGroup fused = plan.Groups[0];
        Assert.Equal((0, 3, FusionKind.WeightsBatchNormActivation, 1, 0, true), (fused.First, fused.Count, fused.Kind, fused.BatchNormalization, fused.FoldInto, fused.RunsFused));
        Assert.True(plan.Layers[0].FoldsBatchNormalization);
        Assert.Equal("GEMM + BN + relu; inference: BN folded into dense", SummaryTable.Describe(plan, fused, gpu: false));
        Assert.Equal("GEMM + BN + relu; inference: BN in the epilogue, moving statistics", SummaryTable.Describe(plan, fused, gpu: true));

        // No buffer for BatchNormalization's output or gradient: the kernel goes from z to relu's output and back.
        Assert.Equal(
            [
                "DenseOutput 50 ForwardToBackward", "DenseDelta 50 Backward",
                "ActivationOutput 50 ForwardToBackward", "ActivationDelta 50 Backward",
                "Dense1Output 1 ForwardToBackward", "Dense1PreActivation 1 Scratch", "Dense1PreActivationDelta 1 Backward",
            ],
            List(plan.CpuTrainingBuffers));
        Assert.Equal(
            ["Input 2 Host", "Labels 1 Host", "Output 1 Host", .. List(plan.CpuTrainingBuffers)],
            List(plan.GpuBuffers));
    }

    [Fact]
    public void ASoftmaxAfterBatchNormalizationKeepsItsInput()
    {
        ModelPlan plan = Plan("model Test.M\ninput 4\ndense 8\nbatch_normalization\nactivation softmax\n"
            + "compile loss=mean_squared_error optimizer=sgd\n");

        // The softmax runs row by row after the fused kernel: it reads BN's output, and its gradient goes back into BN's.
        Assert.Contains("BatchNormalizationOutput 8 ForwardToBackward", List(plan.CpuTrainingBuffers));
        Assert.Contains("BatchNormalizationDelta 8 Backward", List(plan.CpuTrainingBuffers));
        Assert.Null(plan.FusedLossGradient);
    }

    [Fact]
    public void TheLossGradientEntersAFinalActivationLayersInput()
    {
        ModelPlan plan = Plan("model Test.M\ninput 4\ndense 1 use_bias=false\nbatch_normalization\nactivation sigmoid\n" + Circles);

        // Sigmoid + binary cross-entropy after the fused group: dL/dz lands in BN's output gradient, which therefore exists.
        Assert.Equal(new BufferRef(1, BufferKind.Delta), plan.FusedLossGradient);
        Assert.Contains("BatchNormalizationDelta 1 Backward", List(plan.CpuTrainingBuffers));
        Assert.DoesNotContain(plan.CpuTrainingBuffers, b => b.Member == "ActivationDelta");
    }

    [Fact]
    public void DenseThenActivationThenBatchNormalizationKeepsTheDensesGradient()
    {
        ModelPlan plan = Plan("model Test.M\ninput 4\ndense 8\nactivation tanh\nbatch_normalization\ndense 2 activation=softmax\n"
            + "compile loss=sparse_categorical_crossentropy optimizer=sgd\n");

        // dz is the linear Dense's own output gradient; the activation's output gradient is never formed.
        string[] training = List(plan.CpuTrainingBuffers);
        Assert.Contains("DenseDelta 8 Backward", training);
        Assert.DoesNotContain(training, b => b.StartsWith("ActivationDelta", StringComparison.Ordinal));
        Assert.Contains("ActivationOutput 8 ForwardToBackward", training);
        Assert.Equal(3, plan.Groups[0].FoldInto);
    }

    [Fact]
    public void SingleRowPackingIsForFusedDenseLayersOfAWholePanel()
    {
        ModelPlan plan = Plan("model Test.M\ninput 8\ndense 16 activation=relu\ndense 15 activation=relu\ndense 3 activation=softmax\n"
            + "compile loss=sparse_categorical_crossentropy optimizer=sgd\n");

        Assert.Equal([true, false, false], plan.Layers.Select(l => l.PackedForSingleRow).ToArray());
        Assert.Equal([false, true, true], plan.Layers.Select(l => l.NeedsInputGradient).ToArray());
    }

    [Fact]
    public void ConvolutionsPlanTheirWindowsAndIm2ColBuffers()
    {
        ModelPlan plan = Plan("model Test.M\ninput 9x9x2\nconv2d 4 kernel_size=3 strides=2 padding=same activation=relu\n"
            + "conv2d 3 kernel_size=1\nmax_pooling2d pool_size=2\nflatten\ndense 2 activation=softmax\n"
            + "compile loss=sparse_categorical_crossentropy optimizer=sgd\n");

        // TensorFlow's same padding: out = ceil(9 / 2) = 5, total = (5 - 1) · 2 + 3 - 9 = 2, one row and column before.
        Assert.Equal(new WindowPlan(9, 9, 2, 3, 3, 2, 2, 5, 5, 1, 1, Padded: true), plan.Layers[0].Window);
        Assert.Equal(new WindowPlan(5, 5, 4, 1, 1, 1, 1, 5, 5, 0, 0, Padded: false), plan.Layers[1].Window);
        Assert.Equal(new WindowPlan(5, 5, 3, 2, 2, 2, 2, 2, 2, 0, 0, Padded: false), plan.Layers[2].Window);
        Assert.Null(plan.Layers[3].Window);

        // The 3x3 conv has an im2col matrix of 25 positions × 18 values; the pointwise conv reads its input as one.
        Assert.Equal((true, 25L * 18), (plan.Layers[0].UsesIm2Col, plan.Layers[0].Im2ColWidth));
        Assert.Equal((false, 0L), (plan.Layers[1].UsesIm2Col, plan.Layers[1].Im2ColWidth));

        // The first conv is the first trainable layer: no input gradient, so no im2col gradient buffer.
        string[] training = List(plan.CpuTrainingBuffers);
        Assert.Equal("Conv2dColumns 450 ForwardToBackward", training[0]);
        Assert.DoesNotContain(training, b => b.StartsWith("ColumnsDelta", StringComparison.Ordinal));
        Assert.DoesNotContain(training, b => b.StartsWith("Flatten", StringComparison.Ordinal));
    }

    [Fact]
    public void LstmWorkspacesFollowTheKernelsContracts()
    {
        ModelPlan plan = Plan("model Test.M\ninput 10x3\nlstm 4\ndense 1\ncompile loss=mean_squared_error optimizer=sgd\n");

        // CPU: 11 values per unit and timestep saved, (4T + 7) · units of training scratch, (4T + 6) · units at inference.
        Assert.Contains("LstmSaved 440 ForwardToBackward", List(plan.CpuTrainingBuffers));
        Assert.Contains("LstmWorkspace 188 Scratch", List(plan.CpuTrainingBuffers));
        Assert.Contains("LstmWorkspace 184 Scratch", List(plan.CpuInferenceBuffers));

        // ONNX's LSTM has every activation of this one; the GPU's recurrent products are too small for tiles (4 units).
        Assert.Null(plan.OnnxBlocker);
        Assert.Equal((false, false), (plan.Layers[0].GpuTiled, plan.Layers[0].GpuTiledRecurrent));

        // GPU: the same 11 values per step, and dz per step plus the dL/dc carry.
        Assert.Contains("LstmSteps 440 ForwardToBackward", List(plan.GpuBuffers));
        Assert.Contains("LstmStepGradients 164 Backward", List(plan.GpuBuffers));
    }

    [Fact]
    public void ThePlanSaysWhatOnnxCannotExpressAndWhichGpuProductsAreTiled()
    {
        ModelPlan plan = Plan("model Test.M\ninput 10x20\nlstm 16 activation=gelu\ndense 16 activation=relu\ndense 2\n"
            + "compile loss=mean_squared_error optimizer=sgd\n");

        Assert.Equal(new OnnxBlocker(0, "uses gelu, which ONNX's LSTM operator has no activation for"), plan.OnnxBlocker);
        Assert.Equal((true, true), (plan.Layers[0].GpuTiled, plan.Layers[0].GpuTiledRecurrent));
        Assert.Equal([true, true, false], plan.Layers.Select(l => l.GpuTiled).ToArray());
        Assert.Equal(new ProductPlan(16, 16, 1, true, ActivationKind.Relu), plan.Layers[1].Product);
        Assert.Null(plan.Layers[0].Product);
        Assert.True(plan.EmitGpu);
    }

    [Fact]
    public void AnInferenceOnlyModelKeepsOnlyWhatItsForwardPassReads()
    {
        ModelPlan plan = Plan("model Test.M\ninput 4\ndense 8 activation=relu\nbatch_normalization\ndense 2 activation=softmax\n");

        Assert.Empty(plan.CpuTrainingBuffers);
        Assert.Equal(["DenseOutput 8 Scratch", "DensePreActivation 8 Scratch", "Dense1PreActivation 2 Scratch"], List(plan.CpuInferenceBuffers));

        // The GPU applies BN in the dense's epilogue at inference: one buffer between the groups, one before the softmax.
        Assert.Equal(["Input 4 Host", "Output 2 Host", "BatchNormalizationOutput 8 Forward", "Dense1PreActivation 2 Forward"], List(plan.GpuBuffers));
    }

    // ---- Every model: every planned buffer is used by the generated code.

    public static IEnumerable<object[]> ModelFiles()
    {
        IEnumerable<string> files = new[] { "ModelGen.TestModels", "ModelGen.GpuTestModels" }
            .SelectMany(project => Directory.GetFiles(Path.Combine(Repository.Root, "tests", project, "Models"), "*.model"))
            .Concat(Directory.GetFiles(Repository.SamplesDirectory, "*.model", SearchOption.AllDirectories));
        return files.Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetRelativePath(Repository.Root, f) });
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void EveryPlannedBufferIsUsedByTheGeneratedCode(string file)
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root, file));
        ModelDefinition model = ModelFileParser.Parse(GeneratorHarness.ProjectDirectory + "Models/M.model", SourceText.From(text), new ProjectOptions("TestProject", GeneratorHarness.ProjectDirectory), CancellationToken.None);
        ModelPlan plan = ModelPlanner.Plan(model, referencesIlgpu: true, CancellationToken.None);
        GeneratorRun run = GeneratorHarness.Run(modelFiles: [(GeneratorHarness.ProjectDirectory + "Models/M.model", text)], extraReferences: [Ilgpu]);
        string cpu = run.Sources.Single(s => !s.Key.EndsWith(".Gpu.g.cs", StringComparison.Ordinal)).Value;
        // A model with a layer the GPU has no kernels for (gru) gets no GPU class, and plans no GPU buffers.
        string gpu = run.Sources.SingleOrDefault(s => s.Key.EndsWith(".Gpu.g.cs", StringComparison.Ordinal)).Value ?? string.Empty;
        Assert.Equal(gpu.Length == 0, plan.GpuBuffers.Count == 0 && !plan.EmitGpu);

        // Lines that use a buffer: not its declaration, allocation, disposal or MemberNotNull.
        static int Uses(string source, string name, params string[] bookkeeping) =>
            source.Split('\n').Count(line => Regex.IsMatch(line, @"(?<![\w])" + Regex.Escape(name) + @"\b") && !bookkeeping.Any(b => line.Contains(b, StringComparison.Ordinal)));

        foreach (BufferPlan buffer in plan.CpuTrainingBuffers)
        {
            string field = "_" + char.ToLowerInvariant(buffer.Member[0]) + buffer.Member[1..];
            Assert.True(Uses(cpu, field, "private float[] " + field, field + " = new float[") >= Expected(buffer), $"{file}: CPU training buffer {field} ({buffer.Lifetime}) is not used");
        }

        foreach (BufferPlan buffer in plan.CpuInferenceBuffers)
        {
            string member = "buffers." + buffer.Member;
            Assert.True(Uses(cpu, member) >= Expected(buffer), $"{file}: CPU inference buffer {buffer.Member} ({buffer.Lifetime}) is not used");
        }

        foreach (BufferPlan buffer in plan.GpuBuffers)
        {
            string field = "_" + char.ToLowerInvariant(buffer.Member[0]) + buffer.Member[1..];
            Assert.True(Uses(gpu, field, "MemoryBuffer1D<float, global::ILGPU.Stride1D.Dense> " + field + ";", field + "?.Dispose()", field + " = fresh[", "MemberNotNull") >= Expected(buffer),
                $"{file}: GPU buffer {field} ({buffer.Lifetime}) is not used");
        }

        // Written by one step and read by another: two lines at least; scratch and host staging: one, and Evaluate's
        // outputs, which its loss reads through a local.
        static int Expected(BufferPlan buffer) =>
            buffer.Lifetime is BufferLifetime.Scratch or BufferLifetime.Host || buffer.Kind == BufferKind.EvaluationOutput ? 1 : 2;
    }
}
