using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Attributes;

/// <summary>The attribute front end's output is a value: rerunning on an equivalent compilation, or after an edit
/// elsewhere, leaves the model's step cached.</summary>
public class AttributeIncrementalTests
{
    private const string Model = """
        using ModelGen;

        namespace Samples;

        [Model]
        [Input(2)]
        [Dense(8, Activation = Activation.Relu)]
        [BatchNormalization(Momentum = 0.9)]
        [Dense(1, Activation = Activation.Sigmoid)]
        [Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Adam)]
        public partial class Net;
        """;

    [Fact]
    public void RerunOnACloneIsCached()
    {
        GeneratorRun run = GeneratorHarness.RunSource(Model);

        GeneratorDriver rerun = run.Driver.RunGenerators(run.InputCompilation.Clone());

        AssertModelStepCached(rerun);
    }

    [Fact]
    public void AnEditInAnotherFileLeavesTheModelCached()
    {
        GeneratorRun run = GeneratorHarness.Run(sources: [(AttributeTestSupport.SourcePath, Model), ("/project/Other.cs", "class Other { }")]);
        SyntaxTree other = run.InputCompilation.SyntaxTrees.Single(t => t.FilePath == "/project/Other.cs");
        Compilation edited = run.InputCompilation.ReplaceSyntaxTree(
            other,
            CSharpSyntaxTree.ParseText("class Other { int Field; }", GeneratorHarness.ParseOptions, other.FilePath));

        GeneratorDriver rerun = run.Driver.RunGenerators(edited);

        AssertModelStepCached(rerun);
    }

    [Fact]
    public void AnEditInsideTheClassBodyGivesAnEqualDefinition()
    {
        GeneratorRun run = GeneratorHarness.RunSource(Model);
        SyntaxTree tree = run.InputCompilation.SyntaxTrees.Single();
        Compilation edited = run.InputCompilation.ReplaceSyntaxTree(
            tree,
            CSharpSyntaxTree.ParseText(Model.Replace("Net;", "Net\n{\n    private int _unused;\n}"), GeneratorHarness.ParseOptions, tree.FilePath));

        GeneratorDriver rerun = run.Driver.RunGenerators(edited);

        IncrementalGeneratorRunStep step = Assert.Single(rerun.GetRunResult().Results[0].TrackedSteps[TrackingNames.AttributeModelRead]);
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(step.Outputs).Reason);
    }

    private static void AssertModelStepCached(GeneratorDriver driver)
    {
        IncrementalGeneratorRunStep step = Assert.Single(driver.GetRunResult().Results[0].TrackedSteps[TrackingNames.AttributeModelRead]);
        Assert.All(
            step.Outputs,
            output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{TrackingNames.AttributeModelRead} was {output.Reason}"));
    }
}
