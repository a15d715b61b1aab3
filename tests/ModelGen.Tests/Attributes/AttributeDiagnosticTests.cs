using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Tests.Infrastructure;
using Xunit;
using static ModelGen.Tests.Attributes.AttributeTestSupport;

namespace ModelGen.Tests.Attributes;

/// <summary>The diagnostics the attribute front end finds (MG0001, MG0003, MG0004, MG0012) and MG0011, each reported
/// once, by <c>ModelAnalyzer</c>, at a C# location: ID, severity, file, line and column.</summary>
public class AttributeDiagnosticTests
{
    /// <summary>A model with nothing wrong for the front end.</summary>
    private const string CorrectModel = """
        using ModelGen;

        namespace Samples;

        [Model]
        [Input(2)]
        [Dense(50, Activation = Activation.Relu, UseBias = false)]
        [BatchNormalization]
        [Dense(1, Activation = Activation.Sigmoid)]
        [Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9)]
        public partial class CirclesNet;
        """;

    private static readonly string[] FrontEndIds = ["MG0001", "MG0003", "MG0004", "MG0011", "MG0012", "MG0015"];

    [Fact]
    public void ACorrectModelHasNoFrontEndDiagnostic()
    {
        GeneratorRun run = GeneratorHarness.RunSource(CorrectModel);

        Assert.Empty(run.ModelGenDiagnostics().WithIds(FrontEndIds));
        Assert.Empty(run.InputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void TheGeneratorReportsNothingForAttributeModels()
    {
        GeneratorRun run = GeneratorHarness.RunSource(ModelSource("[Dense(1, Activation = (Activation)42)]").Replace("partial class", "class"));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.NotEmpty(run.AnalyzerDiagnostics());
    }

    [Fact]
    public void MG0001WhenTheClassIsNotPartial()
    {
        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(CorrectModel.Replace("public partial class", "public class")).WithIds("MG0001"));

        AssertDiagnostic(diagnostic, "MG0001", DiagnosticSeverity.Error, 11, 14);
        Assert.Equal("Model class 'CirclesNet' is not partial: add the partial modifier", Message(diagnostic));
    }

    [Fact]
    public void MG0001WhenTheClassIsGeneric()
    {
        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(CorrectModel.Replace("CirclesNet;", "CirclesNet<T>;")).WithIds("MG0001"));

        AssertDiagnostic(diagnostic, "MG0001", DiagnosticSeverity.Error, 11, 22);
        Assert.Contains("is generic", Message(diagnostic));
    }

    [Fact]
    public void MG0001WhenTheClassIsNestedInANonPartialType()
    {
        const string source = """
            using ModelGen;

            public class Outer
            {
                [Model, Input(2), Dense(1)]
                public partial class Net;
            }
            """;

        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(source).WithIds("MG0001"));

        AssertDiagnostic(diagnostic, "MG0001", DiagnosticSeverity.Error, 6, 26);
        Assert.Equal("Model class 'Net' is nested in 'Outer', which is not partial: add the partial modifier to 'Outer'", Message(diagnostic));
    }

    [Fact]
    public void NoMG0001WhenNestedInPartialTypes()
    {
        const string source = """
            using ModelGen;

            public partial class Outer
            {
                internal partial struct Inner
                {
                    [Model, Input(2), Dense(1)]
                    public partial class Net;
                }
            }
            """;

        Assert.Empty(ModelGenDiagnostics(source).WithIds(FrontEndIds));
    }

    [Theory]
    [InlineData("public partial record CirclesNet;", "must be a class", 23)]
    [InlineData("public static partial class CirclesNet { }", "is static", 29)]
    public void MG0001ForRecordsAndStaticClasses(string declaration, string reason, int column)
    {
        string source = CorrectModel.Replace("public partial class CirclesNet;", declaration);

        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(source).WithIds("MG0001"));

        AssertDiagnostic(diagnostic, "MG0001", DiagnosticSeverity.Error, 11, column);
        Assert.Contains(reason, Message(diagnostic));
    }

    [Fact]
    public void MG0003WhenAnEnumValueIsNotDefined()
    {
        string source = CorrectModel.Replace("[Dense(1, Activation = Activation.Sigmoid)]", "[Dense(1, Activation = (Activation)42)]");

        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(source).WithIds("MG0003"));

        AssertDiagnostic(diagnostic, "MG0003", DiagnosticSeverity.Error, 9, 2);
        Assert.StartsWith("[Dense] Activation = 42 is not a defined Activation value; expected one of Linear, Relu,", Message(diagnostic));
    }

    [Fact]
    public void MG0003WhenTheMetricIsUnknown()
    {
        string source = CorrectModel.Replace("Momentum = 0.9)]", "Momentum = 0.9, Metrics = \"precision\")]");

        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(source).WithIds("MG0003"));

        AssertDiagnostic(diagnostic, "MG0003", DiagnosticSeverity.Error, 10, 2);
        Assert.Contains("\"precision\" is not a known metric", Message(diagnostic));
    }

    [Fact]
    public void MG0003WhenArgumentsDoNotBindBesideTheCompilerError()
    {
        string source = CorrectModel.Replace("[BatchNormalization]", "[BatchNormalization(Momentum = \"high\")]");

        GeneratorRun run = GeneratorHarness.RunSource(source);
        Diagnostic diagnostic = Assert.Single(run.ModelGenDiagnostics().WithIds("MG0003"));

        AssertDiagnostic(diagnostic, "MG0003", DiagnosticSeverity.Error, 8, 2);
        Assert.Equal("Cannot read the arguments of [BatchNormalization]: fix the C# errors on this attribute", Message(diagnostic));
        Assert.Contains(run.InputCompilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", System.StringComparison.Ordinal));
    }

    [Fact]
    public void MG0004WhenInputIsWrittenAfterALayer()
    {
        string source = CorrectModel.Replace("[Input(2)]\n", string.Empty).Replace("[BatchNormalization]", "[BatchNormalization]\n[Input(2)]");

        Diagnostic diagnostic = Assert.Single(ModelGenDiagnostics(source).WithIds("MG0004"));

        AssertDiagnostic(diagnostic, "MG0004", DiagnosticSeverity.Error, 8, 2);
        Assert.Equal("[Input] must be written before the first layer attribute", Message(diagnostic));
    }

    [Fact]
    public void MG0004WhenInputOrCompileIsWrittenTwice()
    {
        string source = CorrectModel
            .Replace("[Input(2)]", "[Input(2), Input(3)]")
            .Replace("public partial", "[Compile(Loss.MeanSquaredError)]\npublic partial");

        ImmutableArray<Diagnostic> diagnostics = ModelGenDiagnostics(source);

        Diagnostic[] structure = diagnostics.WithIds("MG0004");
        Assert.Equal(2, structure.Length);
        AssertDiagnostic(structure[0], "MG0004", DiagnosticSeverity.Error, 6, 12);
        Assert.Contains("[Input] is written more than once", Message(structure[0]));
        AssertDiagnostic(structure[1], "MG0004", DiagnosticSeverity.Error, 11, 2);
        Assert.Contains("[Compile] is written more than once", Message(structure[1]));
    }

    [Fact]
    public void NoMG0004WhenCompileComesFirst()
    {
        const string source = """
            using ModelGen;

            [Compile(Loss.BinaryCrossentropy)]
            [Model]
            [Input(2)]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class CompiledFirst;
            """;

        Assert.Empty(ModelGenDiagnostics(source).WithIds(FrontEndIds));
    }

    [Fact]
    public void MG0011ForEachLayerAttributeOnAClassWithoutModel()
    {
        const string source = """
            using ModelGen;

            [Input(2)]
            [Dense(1), Compile(Loss.MeanSquaredError)]
            public partial class NotAModel;
            """;

        Diagnostic[] diagnostics = ModelGenDiagnostics(source).WithIds("MG0011");

        Assert.Equal(3, diagnostics.Length);
        AssertDiagnostic(diagnostics[0], "MG0011", DiagnosticSeverity.Warning, 3, 2);
        AssertDiagnostic(diagnostics[1], "MG0011", DiagnosticSeverity.Warning, 4, 2);
        AssertDiagnostic(diagnostics[2], "MG0011", DiagnosticSeverity.Warning, 4, 12);
        Assert.Equal(
            "[Dense] on 'NotAModel' has no effect because the class has no [Model] attribute; add [Model] to generate the model, or remove the attribute",
            Message(diagnostics[1]));
    }

    [Fact]
    public void NoMG0011OnAModelOrWithoutModelGenAttributes()
    {
        const string source = """
            using System;

            [Obsolete]
            public partial class Plain;
            """;

        Assert.Empty(ModelGenDiagnostics(source));
        Assert.Empty(ModelGenDiagnostics(CorrectModel).WithIds("MG0011"));
    }

    [Fact]
    public void PragmaSuppressesAnAttributeDiagnostic()
    {
        const string source = """
            using ModelGen;

            #pragma warning disable MG0011
            [Dense(1)]
            public partial class NotAModel;
            """;

        Assert.Empty(ModelGenDiagnostics(source));
    }

    [Fact]
    public void MG0012WhenAttributesAreSplitOverPartialDeclarations()
    {
        const string source = """
            using ModelGen;

            [Model]
            [Input(2)]
            public partial class Split;

            [Dense(1)]
            public partial class Split;
            """;

        ImmutableArray<Diagnostic> diagnostics = ModelGenDiagnostics(source);
        Diagnostic diagnostic = Assert.Single(diagnostics.WithIds("MG0012"));

        AssertDiagnostic(diagnostic, "MG0012", DiagnosticSeverity.Error, 5, 22);
        Assert.Equal(
            "The attributes of model 'Split' are split over 2 partial declarations, so the layer order is undefined; put [Model], [Input], the layers and [Compile] on one declaration",
            Message(diagnostic));
        Assert.Empty(diagnostics.WithIds("MG0011", "MG0004"));
    }

    [Fact]
    public void NoMG0012WhenOtherDeclarationsCarryNoModelAttributes()
    {
        const string source = """
            using System;
            using ModelGen;

            [Model, Input(2), Dense(1)]
            public partial class Whole;

            [Obsolete]
            public partial class Whole
            {
                public int Extra => 1;
            }
            """;

        Assert.Empty(ModelGenDiagnostics(source).WithIds(FrontEndIds));
    }

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);
}
