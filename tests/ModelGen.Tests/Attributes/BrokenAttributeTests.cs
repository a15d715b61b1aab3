using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Tests.Infrastructure;
using Xunit;
using static ModelGen.Tests.Attributes.AttributeTestSupport;

namespace ModelGen.Tests.Attributes;

/// <summary>Whatever is written in the attributes, neither the generator nor the analyzer throws: broken forms end as
/// the compiler's errors and ModelGen's diagnostics.</summary>
public class BrokenAttributeTests
{
    /// <summary>Attribute forms with a C# or ModelGen error, put on a model after <c>[Input(4)]</c>.</summary>
    public static TheoryData<string> BrokenForms => new()
    {
        "[Dense]",
        "[Dense()]",
        "[Dense(\"8\")]",
        "[Dense(8.5)]",
        "[Dense(null)]",
        "[Dense(new[] { 1, 2 })]",
        "[Dense(8, 9)]",
        "[Dense(8, Activation = 3)]",
        "[Dense(8, Activation = Activation.Nope)]",
        "[Dense(8, Activation = Initializer.Ones)]",
        "[Dense(8, UseBias = \"yes\")]",
        "[Dense(8, UseBias = null)]",
        "[Dense(8, Units = 3)]",
        "[Dense(8, Missing = 3)]",
        "[Dense(int.MaxValue + 1)]",
        "[Dense(units: 8, units: 8)]",
        "[Dense(8, Activation = (Activation)42)]",
        "[Dense(8, KernelInitializer = (Initializer)(-1))]",
        "[Dense(8, Activation = (Activation)int.MaxValue)]",
        "[Activation]",
        "[Activation((Activation)99)]",
        "[Activation(\"relu\")]",
        "[BatchNormalization(0.9)]",
        "[BatchNormalization(Momentum = \"0.9\")]",
        "[BatchNormalization(Center = 1)]",
        "[Dropout]",
        "[Dropout(\"0.5\")]",
        "[Dropout(rate: 0.5, rate: 0.5)]",
        "[Dropout(0.5, Seed = 1.5)]",
        "[Conv2D(8, KernelSize = 1.5)]",
        "[Conv2D(8, Padding = (Padding)7)]",
        "[Conv2D(8, Padding = 1)]",
        "[MaxPooling2D(poolSize: \"2\")]",
        "[MaxPooling2D(2, 2)]",
        "[MaxPooling2D(Padding = (Padding)2)]",
        "[Flatten(3)]",
        "[Lstm(8, ReturnSequences = 1)]",
        "[Lstm(8, RecurrentActivation = (Activation)100)]",
        "[Input(2)]",
        "[Input()]",
        "[Input(1, 2, 3, 4)]",
        "[Input(null)]",
        "[Input(new int[] { 2 })]",
        "[Input(\"2\")]",
        "[Compile]",
        "[Compile(Loss = Loss.BinaryCrossentropy)]",
        "[Compile((Loss)12)]",
        "[Compile(Loss.BinaryCrossentropy, Optimizer = (Optimizer)5)]",
        "[Compile(Loss.BinaryCrossentropy, Metrics = \"f1\")]",
        "[Compile(Loss.BinaryCrossentropy, Metrics = 1)]",
        "[Compile(Loss.BinaryCrossentropy, LearningRate = \"fast\")]",
        "[Compile(Loss.BinaryCrossentropy)]\n[Compile(Loss.MeanSquaredError)]",
        "[Model]",
        "[Model(3)]",
        "[Unknown]",
        "[Dense(8)",
        "[Dense(8, Activation = )]",
        "[Dense(8,)]",
        "[, Dense(8)]",
    };

    /// <summary>Type declarations carrying model attributes that are wrong in themselves.</summary>
    public static TheoryData<string> BrokenDeclarations => new()
    {
        "[Model, Input(2), Dense(1)] public partial struct S;",
        "[Model, Input(2), Dense(1)] public partial interface I { }",
        "[Model, Input(2), Dense(1)] public enum E { }",
        "[Model, Input(2), Dense(1)] public partial record R;",
        "[Model, Input(2), Dense(1)] public static partial class S { }",
        "[Model, Input(2), Dense(1)] public class NotPartial { }",
        "[Model, Input(2), Dense(1)] public partial class Generic<T> { }",
        "public class Outer { [Model, Input(2), Dense(1)] public partial class Net; }",
        "public partial class Outer<T> { [Model, Input(2), Dense(1)] public partial class Net; }",
        "[Model, Input(2)] public partial class Twice; [Model, Dense(1)] public partial class Twice;",
        "[Model, Input(2)] public partial class Split; [Dense(1)] public partial class Split;",
        "[Model, Input(2), Dense(1)] public partial class Dup; [Model, Input(2), Dense(1)] public partial class Dup;",
        "[Model, Input(2), Dense(1)] public partial class",
        "[Model, Input(2), Dense(1)] partial class Broken : Missing { void M( }",
        "[Model, Input(2), Dense(1)] public partial class Delegate; public delegate void Delegate();",
    };

    [Theory]
    [MemberData(nameof(BrokenForms))]
    public void BrokenAttributeFormsEndAsDiagnostics(string attributes)
    {
        ImmutableArray<Diagnostic> diagnostics = AssertNoCrash(ModelSource(attributes));

        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error && (d.Id.StartsWith("CS", StringComparison.Ordinal) || d.Id.StartsWith("MG", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(BrokenDeclarations))]
    public void BrokenDeclarationsEndAsDiagnostics(string declarations)
    {
        ImmutableArray<Diagnostic> diagnostics = AssertNoCrash("using ModelGen;\n" + declarations);

        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("[Dropout(double.NaN)]")]
    [InlineData("[Dense(-1)]")]
    [InlineData("[Dense(0)]")]
    [InlineData("[BatchNormalization(Momentum = double.PositiveInfinity, Epsilon = -1)]")]
    [InlineData("[Conv2D(8, KernelSize = 0, Strides = -2)]")]
    [InlineData("[MaxPooling2D(0)]")]
    [InlineData("[AveragePooling2D(-1, Strides = 0)]")]
    [InlineData("[MaxPooling1D(0)]")]
    [InlineData("[AveragePooling1D(2, Strides = -3, Padding = (Padding)7)]")]
    [InlineData("[GlobalMaxPooling1D, GlobalAveragePooling2D]")]
    [InlineData("[Compile(Loss.BinaryCrossentropy, Metrics = null, BatchSize = -5)]")]
    [InlineData("")]
    public void OutOfRangeNumbersNeverThrow(string attributes) => AssertNoCrash(ModelSource(attributes));

    [Fact]
    public void AKeywordClassNameIsReadAsItsName()
    {
        AssertNoCrash("using ModelGen;\n[Model, Input(2), Dense(1)] public partial class @class;");

        Assert.Equal("class", Read("using ModelGen;\n[Model, Input(2), Dense(1)] public partial class @class;", "class").Type.Name);
    }

    [Fact]
    public void AnUnreadableLayerIsLeftOutAndMarksTheModelInvalid()
    {
        GeneratorRun run = GeneratorHarness.RunSource(ModelSource("[Dense(\"8\")]\n[Dense(1)]"));

        Diagnostic diagnostic = Assert.Single(run.ModelGenDiagnostics().WithIds("MG0003"));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(run.Sources);
    }

    /// <summary>Runs the generator and the analyzer on <paramref name="source"/>, asserts that neither threw, and returns
    /// every diagnostic (the compiler's, the generator's and the analyzer's).</summary>
    private static ImmutableArray<Diagnostic> AssertNoCrash(string source)
    {
        (GeneratorRun run, ImmutableArray<Diagnostic> analyzer, var exceptions) = RunGuarded(source);

        Assert.All(run.Result.Results, result => Assert.Null(result.Exception));
        Assert.Empty(exceptions);
        ImmutableArray<Diagnostic> all = run.OutputCompilation.GetDiagnostics()
            .Concat(run.GeneratorDiagnostics)
            .Concat(analyzer)
            .ToImmutableArray();
        Assert.DoesNotContain(all, d => d.Id is "CS8785" or "AD0001" or "MG0015");
        return all;
    }
}
