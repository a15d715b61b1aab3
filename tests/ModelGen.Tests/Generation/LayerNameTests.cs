using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>
/// <c>name=</c> on every layer (SPEC §1), both front ends: written names replace Keras's automatic ones in the summary,
/// the weights' tensor names and the generated members; automatic names count only the layers left unnamed, as Keras
/// counts the layers it names itself; duplicate names, names that make the same C# member, and names that are not
/// identifiers are MG0002/MG0003 at the name.
/// </summary>
public class LayerNameTests
{
    private const string ModelPath = "/project/Models/Test.model";
    private const string SourcePath = "/project/Models.cs";

    private const string Named = """
        model Test.Named
        input 2
        dense 8 activation=relu name=hidden
        batch_normalization name=norm
        dense 4 activation=relu
        dense 1 activation=sigmoid name=out
        compile loss=binary_crossentropy optimizer=sgd learning_rate=0.1
        """;

    private static ModelPlan Plan(string text)
    {
        ModelDefinition model = ModelFileParser.Parse(ModelPath, SourceText.From(text), new ProjectOptions("Test", "/project/"), CancellationToken.None);
        return ModelPlanner.Plan(model, referencesIlgpu: false, CancellationToken.None);
    }

    [Fact]
    public void WrittenNamesReplaceKerasAutomaticNames()
    {
        ModelPlan plan = Plan(Named);

        // The unnamed Dense is Keras's first automatic "dense": named layers do not advance the count.
        Assert.Equal(["hidden", "norm", "dense", "out"], plan.Layers.Select(l => l.Name).ToArray());
        Assert.Equal(
            ["hidden/kernel", "hidden/bias", "norm/gamma", "norm/beta", "norm/moving_mean", "norm/moving_variance", "dense/kernel", "dense/bias", "out/kernel", "out/bias"],
            plan.Tensors.Select(t => t.KerasName).ToArray());
        Assert.Contains(" hidden (Dense)", plan.Summary);
        Assert.Contains(" norm (BatchNormalization)", plan.Summary);
        Assert.Contains("hidden + norm", plan.Summary);
    }

    [Fact]
    public void NamedModelsCompileWithMembersNamedAfterTheLayers()
    {
        GeneratorRun run = GeneratorHarness.RunModelFile(Named, "Test.model");

        DiagnosticAssert.NoErrors(run.ModelGenDiagnostics(), "MG0008");
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string source = run.Sources.Single(s => s.Key.EndsWith("Named.g.cs", System.StringComparison.Ordinal)).Value;
        Assert.Contains("HiddenKernel", source);
        Assert.Contains("NormMovingMean", source);
        Assert.Contains("\"hidden/kernel\"", source);
    }

    [Fact]
    public void BothFrontEndsDescribeTheSameNamedModel()
    {
        const string source = """
            using ModelGen;
            namespace Test;

            [Model]
            [Input(2)]
            [Dense(8, Activation = Activation.Relu, Name = "hidden")]
            [BatchNormalization(Name = "norm")]
            [Dense(4, Activation = Activation.Relu)]
            [Dense(1, Activation = Activation.Sigmoid, Name = "out")]
            [Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.1)]
            public partial class Named;
            """;
        GeneratorRun fromAttributes = GeneratorHarness.RunSource(source);
        GeneratorRun fromFile = GeneratorHarness.RunModelFile(Named, "Test.model");

        string Summary(GeneratorRun run) => run.Sources.Single(s => s.Key == "Test.Named.g.cs").Value
            .Split('\n').SkipWhile(l => !l.StartsWith("// Model:", System.StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("//", System.StringComparison.Ordinal)).Aggregate(string.Empty, (a, l) => a + l + "\n");
        Assert.Contains("hidden (Dense)", Summary(fromAttributes));
        Assert.Equal(Summary(fromFile), Summary(fromAttributes));
    }

    [Fact]
    public void ADuplicateNameIsMG0003AtTheSecondName()
    {
        const string text = "model Test.M\ninput 2\ndense 8 name=hidden\ndense 1 activation=sigmoid name=hidden\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text, "Test.model");

        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0003", DiagnosticSeverity.Error, ModelPath, text, 4, "hidden");
        Assert.Contains("Layer name 'hidden' is already the name of layer 1", diagnostic.GetMessage());
    }

    [Fact]
    public void AWrittenNameEqualToAnAutomaticOneIsADuplicate()
    {
        // Keras names the unnamed Dense "dense" too, and refuses the model: names are unique.
        const string text = "model Test.M\ninput 2\ndense 8 name=dense\ndense 1\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text, "Test.model");

        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0003", DiagnosticSeverity.Error, ModelPath, text, 4, "dense");
        Assert.Contains("Layer name 'dense' is already the name of layer 1", diagnostic.GetMessage());
    }

    [Fact]
    public void NamesThatMakeTheSameMemberAreMG0003()
    {
        const string text = "model Test.M\ninput 2\ndense 8 name=dense1\ndense 1 name=dense_1\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text, "Test.model");

        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0003", DiagnosticSeverity.Error, ModelPath, text, 4, "dense_1");
        Assert.Contains("'dense1' and 'dense_1' both become the C# member prefix 'Dense1'", diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("1st")]
    [InlineData("a-b")]
    public void ANameThatIsNotAnIdentifierIsMG0002InAModelFile(string name)
    {
        string text = $"model Test.M\ninput 2\ndense 8 name={name}\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text, "Test.model");

        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0002", DiagnosticSeverity.Error, ModelPath, text, 3, name);
        Assert.Contains("letters, digits and underscores", diagnostic.GetMessage());
    }

    [Fact]
    public void ANameThatIsNotAnIdentifierIsMG0003OnTheAttribute()
    {
        const string source = "using ModelGen;\nnamespace Test;\n\n[Model]\n[Input(2)]\n[Dense(8, Name = \"a-b\")]\npublic partial class M;\n";
        GeneratorRun run = GeneratorHarness.RunSource(source);

        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0003", DiagnosticSeverity.Error, SourcePath, source, 6, "Dense(8, Name = \"a-b\")");
        Assert.Contains("Layer name 'a-b' must be letters, digits and underscores", diagnostic.GetMessage());
    }
}
