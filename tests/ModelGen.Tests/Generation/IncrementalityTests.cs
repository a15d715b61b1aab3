using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>The generator's pipeline caches: edits that cannot change a model leave its output cached, and an edit to
/// one model regenerates that model alone (checked with the tracked steps of <see cref="TrackingNames"/>).</summary>
public class IncrementalityTests
{
    private const string AttributeSource = """
        using ModelGen;
        namespace Test;

        // The circles MLP in attribute form.
        [Model]
        [Input(2)]
        [Dense(50, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform)]
        [BatchNormalization]
        [Dense(1, Activation = Activation.Sigmoid)]
        [Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9)]
        public partial class AttributeModel;
        """;

    private const string FirstModel = "model Test.First\ninput 2\ndense 8 activation=relu\nbatch_normalization\ndense 1 activation=sigmoid\n";
    private const string SecondModel = "# another\nmodel Test.Second\ninput 4\ndense 3 activation=softmax\ncompile loss=categorical_crossentropy optimizer=adam\n";

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun() => FirstRun(out _);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(out AdditionalText first)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([("/project/Models.cs", AttributeSource), ("/project/Other.cs", "namespace Test;\n\ninternal static class Other\n{\n}\n")]);
        first = new InMemoryAdditionalText("/project/First.model", FirstModel);
        GeneratorDriver driver = GeneratorHarness.CreateDriver([first, new InMemoryAdditionalText("/project/Second.model", SecondModel)]);
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Equal(["Test.AttributeModel.g.cs", "Test.First.g.cs", "Test.Second.g.cs"], result.GeneratedSources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal));
        return (driver, compilation);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray()
            : [];

    private static void AssertAllCached(GeneratorRunResult result)
    {
        foreach (string step in new[] { TrackingNames.ModelFileParsed, TrackingNames.AttributeModelRead, TrackingNames.Validated, TrackingNames.Planned, TrackingNames.Emitted })
        {
            IncrementalStepRunReason[] reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}"));
        }

        Assert.All(
            result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void RerunOnACloneIsFullyCached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();

        driver = driver.RunGenerators(compilation.Clone());

        AssertAllCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void EditToAnUnrelatedFileLeavesEveryModelCached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree other = compilation.SyntaxTrees.Single(t => t.FilePath == "/project/Other.cs");

        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other,
            CSharpSyntaxTree.ParseText("namespace Test;\n\ninternal static class Other\n{\n    public static int Answer => 42;\n}\n", GeneratorHarness.ParseOptions, other.FilePath));
        driver = driver.RunGenerators(edited);

        AssertAllCached(driver.GetRunResult().Results.Single());
    }

    [Fact]
    public void EditToACommentInTheModelsOwnFileLeavesItsOutputCached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree models = compilation.SyntaxTrees.Single(t => t.FilePath == "/project/Models.cs");

        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            models,
            CSharpSyntaxTree.ParseText(AttributeSource.Replace("The circles MLP in attribute form.", "The circles MLP, edited comment."), GeneratorHarness.ParseOptions, models.FilePath));
        driver = driver.RunGenerators(edited);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Assert.All(Reasons(result, TrackingNames.Emitted), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        Assert.All(Reasons(result, TrackingNames.Planned), reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
    }

    [Fact]
    public void EditToOneModelFileRegeneratesThatModelAlone()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(out AdditionalText first);

        // Replace First.model's text (a new unit count); Second.model and the attribute model must stay cached.
        driver = driver.ReplaceAdditionalText(first, new InMemoryAdditionalText("/project/First.model", FirstModel.Replace("dense 8", "dense 16")));
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        IncrementalStepRunReason[] emitted = Reasons(result, TrackingNames.Emitted);
        Assert.Equal(1, emitted.Count(r => r is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New));
        Assert.Equal(emitted.Length - 1, emitted.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("(None, 16)", result.GeneratedSources.Single(s => s.HintName == "Test.First.g.cs").SourceText.ToString());
    }

    [Fact]
    public void PipelineOutputsHoldNoRoslynObjects()
    {
        (GeneratorDriver driver, _) = FirstRun();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        string[] ours = typeof(TrackingNames).GetFields().Select(f => (string)f.GetValue(null)!).ToArray();
        foreach ((string step, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> runs) in result.TrackedSteps.Where(s => ours.Contains(s.Key)))
        {
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen, int depth)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || depth > 20)
        {
            return;
        }

        Assert.False(value is ISymbol or Compilation or SyntaxNode or SemanticModel or Location or SyntaxTree, $"{step} holds a {value.GetType().Name}");
        if (value is Microsoft.CodeAnalysis.DiagnosticDescriptor || !seen.Add(value))
        {
            return;
        }

        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, step, seen, depth + 1);
            }
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), step, seen, depth + 1);
        }
    }
}
