using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Diagnostics;

/// <summary>
/// The validator's diagnostics (SPEC §6), for both front ends: a <c>.model</c> file is underlined at the offending
/// token, an attribute model at the offending attribute. Each ID has a failing case and a passing neighbour.
/// </summary>
public class ValidationDiagnosticTests
{
    private const string ModelPath = "/project/Models/Test.model";
    private const string SourcePath = "/project/Models.cs";

    private static Diagnostic File(string text, string id, DiagnosticSeverity severity, int line, string token, int occurrence = 1)
    {
        GeneratorRun run = GeneratorHarness.RunModelFile(text);
        return DiagnosticAssert.At(run.ModelGenDiagnostics(), id, severity, ModelPath, text, line, token, occurrence);
    }

    private static Diagnostic Attributes(string source, string id, DiagnosticSeverity severity, int line, string token, int occurrence = 1)
    {
        GeneratorRun run = GeneratorHarness.RunSource(source);
        return DiagnosticAssert.At(run.ModelGenDiagnostics(), id, severity, SourcePath, source, line, token, occurrence);
    }

    private static void NoDiagnostic(string text, string id)
    {
        GeneratorRun run = GeneratorHarness.RunModelFile(text);
        Assert.DoesNotContain(run.ModelGenDiagnostics(), d => d.Id == id);
    }

    private static string Class(params string[] attributes) =>
        "using ModelGen;\nnamespace Test;\n\n" + string.Concat(attributes.Select(a => a + "\n")) + "public partial class M;\n";

    // MG0003: numbers out of range.

    [Theory]
    [InlineData("dense 0 activation=sigmoid", "0", "units")]
    [InlineData("dense -5", "-5", "units")]
    [InlineData("dropout 1.0", "1.0", "[0, 1)")]
    [InlineData("dropout -0.1", "-0.1", "[0, 1)")]
    [InlineData("batch_normalization momentum=1.5", "1.5", "momentum")]
    [InlineData("batch_normalization epsilon=0", "0", "epsilon")]
    [InlineData("conv2d 0", "0", "filters")]
    [InlineData("lstm 0", "0", "units")]
    [InlineData("dense 4 bias_initializer=orthogonal", "orthogonal", "bias_initializer")]
    public void OutOfRangeLayerArgumentIsMG0003AtTheValue(string layer, string token, string mentioned)
    {
        string text = $"model Test.M\ninput 8\n{layer}\n";
        Diagnostic diagnostic = File(text, "MG0003", DiagnosticSeverity.Error, 3, token);
        Assert.Contains(mentioned, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void OutOfRangeCompileArgumentIsMG0003AtTheValue()
    {
        string text = "model Test.M\ninput 2\ndense 1 activation=sigmoid\ncompile loss=binary_crossentropy learning_rate=-0.1\n";
        File(text, "MG0003", DiagnosticSeverity.Error, 4, "-0.1");
    }

    [Fact]
    public void OutOfRangeAttributeArgumentIsMG0003AtTheAttribute()
    {
        string source = Class("[Model]", "[Input(8)]", "[Dense(4, Activation = Activation.Relu)]", "[BatchNormalization(Momentum = 2)]", "[Dense(0)]");
        GeneratorRun run = GeneratorHarness.RunSource(source);

        Diagnostic[] errors = run.ModelGenDiagnostics().Where(d => d.Id == "MG0003").ToArray();
        Assert.Equal(2, errors.Length);
        Assert.All(errors, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Equal((6, 1), (errors[0].Location.GetLineSpan().StartLinePosition.Line, errors[0].Location.GetLineSpan().StartLinePosition.Character));
        Assert.Contains("momentum 2", errors[0].GetMessage());
        Assert.Equal((7, 1), (errors[1].Location.GetLineSpan().StartLinePosition.Line, errors[1].Location.GetLineSpan().StartLinePosition.Character));
        Assert.Contains("Units of dense 'dense_1' is 0", errors[1].GetMessage());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void ArgumentsInRangeGiveNoMG0003()
    {
        NoDiagnostic("model Test.M\ninput 8\ndense 1\ndropout 0\nbatch_normalization momentum=1 epsilon=1e-9\n", "MG0003");
    }

    // MG0004: no input, no layers.

    [Fact]
    public void MissingInputIsMG0004AtTheModelName()
    {
        File("model Test.M\ndense 1 activation=sigmoid\n", "MG0004", DiagnosticSeverity.Error, 1, "Test.M");
        Attributes(Class("[Model]", "[Dense(1)]"), "MG0004", DiagnosticSeverity.Error, 6, "M");
    }

    [Fact]
    public void MissingLayersIsMG0004AtTheModelName()
    {
        Diagnostic diagnostic = File("model Test.M\ninput 2\n", "MG0004", DiagnosticSeverity.Error, 1, "Test.M");
        Assert.Contains("no layers", diagnostic.GetMessage());
    }

    // MG0005: shapes.

    [Theory]
    [InlineData("input 8x8x1\nconv2d 4\ndense 10 activation=softmax", 4, "dense", "(None, 6, 6, 4)")]
    [InlineData("input 8x8x1\nmax_pooling2d\ndense 10", 4, "dense", "(None, 4, 4, 1)")]
    [InlineData("input 10\nconv2d 4", 3, "conv2d", "(None, 10)")]
    [InlineData("input 10\nmax_pooling2d 2", 3, "max_pooling2d", "(None, 10)")]
    [InlineData("input 2x2x1\nconv2d 4 kernel_size=3", 3, "conv2d", "(None, 2, 2, 1)")]
    [InlineData("input 4x4x1\nmax_pooling2d 2\nmax_pooling2d 2\nmax_pooling2d 2", 5, "max_pooling2d", "(None, 1, 1, 1)")]
    [InlineData("input 8x8x1\nflatten\nconv2d 4", 4, "conv2d", "(None, 64)")]
    [InlineData("input 8x8x1\nconv2d 4\nflatten\nmax_pooling2d 2", 5, "max_pooling2d", "(None, 144)")]
    [InlineData("input 6x2x1\nconv2d 4 kernel_size=3x3", 3, "conv2d", "(None, 6, 2, 1)")]
    [InlineData("input 3x3x2\nmax_pooling2d 2 strides=2\nconv2d 4 kernel_size=2 strides=2", 4, "conv2d", "(None, 1, 1, 2)")]
    [InlineData("input 8x8x1\nconv2d 4 padding=same strides=2\nmax_pooling2d 2\ndense 3", 5, "dense", "(None, 2, 2, 4)")]
    [InlineData("input 5x5x1\nmax_pooling2d 3x6 strides=1", 3, "max_pooling2d", "(None, 5, 5, 1)")]
    [InlineData("input 10\nlstm 4", 3, "lstm", "(None, 10)")]
    [InlineData("input 5x10\ndense 4", 3, "dense", "(None, 5, 10)")]
    [InlineData("input 10\nglobal_average_pooling2d", 3, "global_average_pooling2d", "(None, 10)")]
    [InlineData("input 8\ndense 3\nglobal_max_pooling2d", 4, "global_max_pooling2d", "(None, 3)")]
    [InlineData("input 8x8x1\nglobal_max_pooling2d\nglobal_max_pooling2d", 4, "global_max_pooling2d", "(None, 1)")]
    [InlineData("input 5x3\nglobal_average_pooling2d", 3, "global_average_pooling2d", "(None, 5, 3)")]
    [InlineData("input 8x8x1\nmax_pooling1d", 3, "max_pooling1d", "(None, 8, 8, 1)")]
    [InlineData("input 8x8x1\naverage_pooling1d 2", 3, "average_pooling1d", "(None, 8, 8, 1)")]
    [InlineData("input 8x8x1\nglobal_average_pooling1d", 3, "global_average_pooling1d", "(None, 8, 8, 1)")]
    [InlineData("input 12\nglobal_max_pooling1d", 3, "global_max_pooling1d", "(None, 12)")]
    [InlineData("input 10\naverage_pooling2d", 3, "average_pooling2d", "(None, 10)")]
    [InlineData("input 3x3x1\naverage_pooling2d 2x4", 3, "average_pooling2d", "(None, 3, 3, 1)")]
    [InlineData("input 4x3\nmax_pooling1d 5", 3, "max_pooling1d", "(None, 4, 3)")]
    [InlineData("input 6x3\nmax_pooling1d 2\naverage_pooling1d 4", 4, "average_pooling1d", "(None, 3, 3)")]
    [InlineData("input 6x3\nglobal_average_pooling1d\nmax_pooling1d", 4, "max_pooling1d", "(None, 3)")]
    [InlineData("input 6x3\nmax_pooling1d\ndense 2", 4, "dense", "(None, 3, 3)")]
    public void ShapeMismatchIsMG0005WithTheShapes(string body, int line, string token, string shape)
    {
        Diagnostic diagnostic = File("model Test.M\n" + body + "\n", "MG0005", DiagnosticSeverity.Error, line, token);
        Assert.Contains(shape, diagnostic.GetMessage());
    }

    [Fact]
    public void ShapeMismatchInAttributesIsMG0005AtTheAttribute()
    {
        Diagnostic diagnostic = Attributes(Class("[Model]", "[Input(8, 8, 1)]", "[Conv2D(4)]", "[Dense(10)]"), "MG0005", DiagnosticSeverity.Error, 7, "Dense(10)");
        Assert.Contains("add flatten", diagnostic.GetMessage());
    }

    [Fact]
    public void FittingShapesGiveNoMG0005()
    {
        NoDiagnostic("model Test.M\ninput 8x8x1\nconv2d 4\nmax_pooling2d\nflatten\ndense 10\n", "MG0005");
        NoDiagnostic("model Test.M\ninput 3x3x1\nconv2d 4 kernel_size=5 padding=same\n", "MG0005");
        // Strides larger than the window, windows that leave rows out, same padding with a window larger than the input.
        NoDiagnostic("model Test.M\ninput 5x5x1\nconv2d 2 kernel_size=2 strides=3\nmax_pooling2d 3 strides=2 padding=same\nflatten\ndense 2\n", "MG0005");
        NoDiagnostic("model Test.M\ninput 2x2x1\nmax_pooling2d 3 padding=same\nconv2d 1 kernel_size=1x2 strides=1x3 padding=same\n", "MG0005");
    }

    [Fact]
    public void ShapeMessagesNameTheWindowAndTheFix()
    {
        string window = File("model Test.M\ninput 6x2x1\nconv2d 4 kernel_size=3x3\n", "MG0005", DiagnosticSeverity.Error, 3, "conv2d").GetMessage();
        Assert.Contains("3x3 window, larger than its 6x2 input", window);
        Assert.Contains("padding=same", window);
        string flattened = File("model Test.M\ninput 8x8x1\nflatten\nconv2d 4\n", "MG0005", DiagnosticSeverity.Error, 4, "conv2d").GetMessage();
        Assert.Contains("needs an image input", flattened);
        Assert.Contains("comes from 'flatten'", flattened);
        Assert.Contains("flatten only after the last conv2d or max_pooling2d", flattened);
    }

    [Fact]
    public void PoolingShapeMessagesNameTheRankThatFits()
    {
        string vector = File("model Test.M\ninput 10\nglobal_average_pooling2d\n", "MG0005", DiagnosticSeverity.Error, 3, "global_average_pooling2d").GetMessage();
        Assert.Contains("global_average_pooling2d 'global_average_pooling2d' needs an image input (height x width x channels) but gets (None, 10) (a vector)", vector);
        string image = File("model Test.M\ninput 8x8x1\nmax_pooling1d\n", "MG0005", DiagnosticSeverity.Error, 3, "max_pooling1d").GetMessage();
        Assert.Contains("needs a sequence input (timesteps x features) but gets (None, 8, 8, 1) (an image): use max_pooling2d on an image", image);
        string sequence = File("model Test.M\ninput 5x3\nglobal_max_pooling2d\n", "MG0005", DiagnosticSeverity.Error, 3, "global_max_pooling2d").GetMessage();
        Assert.Contains("use global_max_pooling1d on a sequence", sequence);
        string window = File("model Test.M\ninput 4x3\naverage_pooling1d 5\n", "MG0005", DiagnosticSeverity.Error, 3, "average_pooling1d").GetMessage();
        Assert.Contains("a window of 5 timesteps, more than the 4 of its input (None, 4, 3)", window);
        Attributes(Class("[Model]", "[Input(8, 8, 1)]", "[GlobalAveragePooling1D]"), "MG0005", DiagnosticSeverity.Error, 6, "GlobalAveragePooling1D");
    }

    [Fact]
    public void FittingPoolingShapesGiveNoMG0005()
    {
        NoDiagnostic("model Test.M\ninput 8x8x1\nconv2d 4\nbatch_normalization\nactivation relu\nglobal_average_pooling2d\ndense 10 activation=softmax\n", "MG0005");
        NoDiagnostic("model Test.M\ninput 3x3x1\naverage_pooling2d 5 padding=same\nglobal_max_pooling2d\n", "MG0005");
        NoDiagnostic("model Test.M\ninput 4x3\nmax_pooling1d 5 padding=same\naverage_pooling1d 1\nglobal_max_pooling1d\ndense 1\n", "MG0005");
        NoDiagnostic("model Test.M\ninput 9x2\nlstm 4 return_sequences=true\nglobal_average_pooling1d\ndense 1\n", "MG0005");
    }

    [Theory]
    [InlineData("average_pooling2d 0 strides=1", "0", "pool_size")]
    [InlineData("average_pooling2d 2 strides=0", "0", "strides")]
    [InlineData("max_pooling1d 0 strides=2", "0", "pool_size")]
    [InlineData("average_pooling1d 2 strides=-1", "-1", "strides")]
    public void PoolingSizesBelowOneAreMG0003AtTheValue(string layer, string token, string key)
    {
        string input = layer.Contains("1d", System.StringComparison.Ordinal) ? "input 6x3" : "input 6x6x1";
        Diagnostic diagnostic = File($"model Test.M\n{input}\n{layer}\n", "MG0003", DiagnosticSeverity.Error, 3, token);
        Assert.Contains($"{key} of", diagnostic.GetMessage());
        Assert.Contains("must be at least 1", diagnostic.GetMessage());
    }

    // MG0006: loss and output.

    [Theory]
    [InlineData("dense 2 activation=softmax", "binary_crossentropy")]
    [InlineData("dense 1 activation=relu", "binary_crossentropy")]
    [InlineData("dense 1 activation=sigmoid", "categorical_crossentropy")]
    [InlineData("dense 3 activation=sigmoid", "sparse_categorical_crossentropy")]
    public void LossThatDoesNotFitTheOutputIsMG0006AtTheLoss(string output, string loss)
    {
        string text = $"model Test.M\ninput 4\n{output}\ncompile loss={loss}\n";
        File(text, "MG0006", DiagnosticSeverity.Error, 4, loss);
    }

    [Fact]
    public void LossMismatchInAttributesIsMG0006AtCompile()
    {
        Attributes(Class("[Model]", "[Input(4)]", "[Dense(2, Activation = Activation.Softmax)]", "[Compile(Loss.BinaryCrossentropy)]"), "MG0006", DiagnosticSeverity.Error, 7, "Compile(Loss.BinaryCrossentropy)");
    }

    [Theory]
    [InlineData("dense 1 activation=sigmoid", "binary_crossentropy")]
    [InlineData("dense 3\nactivation softmax\ndropout 0.1", "categorical_crossentropy")]
    [InlineData("dense 3 activation=softmax", "sparse_categorical_crossentropy")]
    [InlineData("dense 3", "mean_squared_error")]
    public void FittingLossGivesNoMG0006(string output, string loss) =>
        NoDiagnostic($"model Test.M\ninput 4\n{output}\ncompile loss={loss}\n", "MG0006");

    // MG0007: BN after the output.

    [Fact]
    public void BatchNormalizationAfterTheOutputSigmoidIsMG0007()
    {
        Diagnostic diagnostic = File("model Test.M\ninput 4\ndense 1 activation=sigmoid\nbatch_normalization\n", "MG0007", DiagnosticSeverity.Warning, 4, "batch_normalization");
        Assert.Contains("probabilities", diagnostic.GetMessage());
        Attributes(Class("[Model]", "[Input(4)]", "[Dense(3, Activation = Activation.Softmax)]", "[BatchNormalization]"), "MG0007", DiagnosticSeverity.Warning, 7, "BatchNormalization");
    }

    [Fact]
    public void BatchNormalizationAsTheLastLayerIsMG0007()
    {
        File("model Test.M\ninput 4\ndense 3\nbatch_normalization\ndropout 0.5\n", "MG0007", DiagnosticSeverity.Warning, 4, "batch_normalization");
    }

    [Fact]
    public void BatchNormalizationBeforeTheOutputActivationGivesNoMG0007() =>
        NoDiagnostic("model Test.M\ninput 4\ndense 3 use_bias=false\nbatch_normalization\nactivation softmax\n", "MG0007");

    // MG0008: a bias that BN cancels.

    [Fact]
    public void DenseWithBiasBeforeBatchNormalizationIsMG0008()
    {
        Diagnostic diagnostic = File("model Test.M\ninput 4\ndense 8\nbatch_normalization\nactivation relu\ndense 1\n", "MG0008", DiagnosticSeverity.Warning, 3, "dense");
        Assert.Contains("use_bias=false", diagnostic.GetMessage());
        Diagnostic attribute = Attributes(Class("[Model]", "[Input(4)]", "[Dense(8)]", "[BatchNormalization]", "[Activation(Activation.Relu)]", "[Dense(1)]"), "MG0008", DiagnosticSeverity.Warning, 6, "Dense(8)");
        Assert.Contains("UseBias = false", attribute.GetMessage());
    }

    [Fact]
    public void Conv2DWithBiasBeforeBatchNormalizationIsMG0008() =>
        File("model Test.M\ninput 8x8x1\nconv2d 4\nbatch_normalization\nflatten\ndense 1\n", "MG0008", DiagnosticSeverity.Warning, 3, "conv2d");

    [Theory]
    [InlineData("dense 8 use_bias=false\nbatch_normalization")]
    [InlineData("dense 8 activation=relu\nbatch_normalization")]
    public void NoRedundantBiasGivesNoMG0008(string layers) =>
        NoDiagnostic($"model Test.M\ninput 4\n{layers}\ndense 1\n", "MG0008");

    // MG0009: dropout before BN.

    [Fact]
    public void DropoutDirectlyBeforeBatchNormalizationIsMG0009()
    {
        File("model Test.M\ninput 4\ndense 8 activation=relu\ndropout 0.5\nbatch_normalization\ndense 1\n", "MG0009", DiagnosticSeverity.Warning, 4, "dropout");
        NoDiagnostic("model Test.M\ninput 4\ndense 8 activation=relu\nbatch_normalization\ndropout 0.5\ndense 1\n", "MG0009");
    }

    // MG0010: the same thing twice.

    [Fact]
    public void SameActivationTwiceIsMG0010()
    {
        File("model Test.M\ninput 4\ndense 8 activation=relu\nactivation relu\ndense 1\n", "MG0010", DiagnosticSeverity.Warning, 4, "activation");
        NoDiagnostic("model Test.M\ninput 4\ndense 8 activation=relu\nactivation tanh\ndense 1\n", "MG0010");
    }

    [Fact]
    public void TwoBatchNormalizationsInARowIsMG0010()
    {
        File("model Test.M\ninput 4\ndense 8 activation=relu\nbatch_normalization\nbatch_normalization\ndense 1\n", "MG0010", DiagnosticSeverity.Warning, 5, "batch_normalization");
    }

    // MG0013: two models, one type.

    [Fact]
    public void TwoModelFilesForTheSameTypeAreMG0013()
    {
        const string first = "model Test.M\ninput 2\ndense 1\n";
        const string second = "# same name\nmodel Test.M\ninput 3\ndense 1\n";
        GeneratorRun run = GeneratorHarness.Run(modelFiles: [("/project/a.model", first), ("/project/b.model", second)]);

        Diagnostic[] duplicates = run.ModelGenDiagnostics().Where(d => d.Id == "MG0013").ToArray();
        Assert.Equal(2, duplicates.Length);
        Assert.Equal("/project/a.model", duplicates[0].Location.GetLineSpan().Path);
        Assert.Equal(0, duplicates[0].Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal("/project/b.model", duplicates[1].Location.GetLineSpan().Path);
        Assert.Equal(1, duplicates[1].Location.GetLineSpan().StartLinePosition.Line);
        Assert.Contains("b.model", duplicates[0].GetMessage());
        Assert.Empty(run.Sources);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void ModelFileForAnAttributeModelIsMG0013AndTheAttributeModelWins()
    {
        string source = Class("[Model]", "[Input(2)]", "[Dense(1)]");
        const string file = "model Test.M\ninput 2\ndense 1\n";
        GeneratorRun run = GeneratorHarness.Run(sources: [(SourcePath, source)], modelFiles: [(ModelPath, file)]);

        DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0013", DiagnosticSeverity.Error, ModelPath, file, 1, "Test.M");
        Assert.Equal(["Test.M.g.cs"], run.Sources.Keys);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    // MG0014: PyTorch's momentum.

    [Fact]
    public void LowMomentumIsMG0014WithTheKerasEquivalent()
    {
        Diagnostic diagnostic = File("model Test.M\ninput 4\ndense 8 activation=relu\nbatch_normalization momentum=0.1\ndense 1\n", "MG0014", DiagnosticSeverity.Warning, 4, "0.1");
        Assert.Contains("momentum=0.9", diagnostic.GetMessage());
        NoDiagnostic("model Test.M\ninput 4\ndense 8 activation=relu\nbatch_normalization momentum=0.5\ndense 1\n", "MG0014");
    }

    // lstm: softmax has no place in its elementwise gates and cell (MG0003 at the key); otherwise the whole class.

    [Theory]
    [InlineData("lstm 3 activation=softmax", "softmax", "activation")]
    [InlineData("lstm 3 recurrent_activation=softmax", "softmax", "recurrent_activation")]
    public void SoftmaxInsideAnLstmIsMG0003AtItsValue(string layer, string token, string key)
    {
        string text = $"model Test.M\ninput 10x4\n{layer}\ndense 2 activation=softmax\n";
        Diagnostic diagnostic = File(text, "MG0003", DiagnosticSeverity.Error, 3, token);
        Assert.Contains($"lstm 'lstm' cannot use softmax as its {key}", diagnostic.GetMessage());
    }

    [Fact]
    public void AnLstmModelGetsTheWholeClassWithoutDiagnostics()
    {
        string text = "model Test.M\ninput 10x4\nlstm 3 return_sequences=true\nbatch_normalization\nlstm 2\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text);

        Assert.Empty(run.ModelGenDiagnostics());
        string source = Assert.Single(run.Sources).Value;
        Assert.Contains("public void Predict(", source);
        Assert.Contains("public float TrainOnBatch(", source);
        Assert.Contains("global::ModelGen.CompilerServices.Lstm.Backward(", source);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
