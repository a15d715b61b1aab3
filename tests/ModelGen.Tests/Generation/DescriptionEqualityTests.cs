using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.Attributes;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>The two front ends describe the same model identically: every sample model is written once as a
/// <c>.model</c> file (namespace X) and once with attributes (namespace X.AttributeForm, same class name).</summary>
public class DescriptionEqualityTests
{
    public static IEnumerable<object[]> Samples() => SampleSnapshotTests.Samples();

    [Theory]
    [MemberData(nameof(Samples))]
    public void ModelFileAndAttributeFormsGiveEqualDescriptions(string sample)
    {
        (List<(string Path, string Text)> modelFiles, List<(string Path, string Text)> sources) =
            Repository.LoadSample(Path.Combine(Repository.SamplesDirectory, sample));
        var options = new ProjectOptions("Samples", GeneratorHarness.ProjectDirectory);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources);

        Assert.NotEmpty(modelFiles);
        foreach ((string path, string text) in modelFiles)
        {
            ModelDefinition fromFile = ModelFileParser.Parse(path, SourceText.From(text), options, CancellationToken.None);
            Assert.DoesNotContain(fromFile.Diagnostics, d => d.IsError);

            string attributeTypeName = fromFile.Type.Namespace + ".AttributeForm." + fromFile.Type.Name;
            INamedTypeSymbol? type = compilation.GetTypeByMetadataName(attributeTypeName);
            Assert.True(type is not null, $"{Path.GetFileName(path)} has no attribute form: expected a class {attributeTypeName}");
            ModelDefinition fromAttributes = AttributeReader.Read(type!, CancellationToken.None);
            Assert.DoesNotContain(fromAttributes.Diagnostics, d => d.IsError);

            Assert.Equal(fromFile.Spec, fromAttributes.Spec);
        }
    }

    [Fact]
    public void DescriptionsDifferWhenAValueDiffers()
    {
        // Guards the test above against a description type whose equality ignores its contents.
        var options = new ProjectOptions("Samples", GeneratorHarness.ProjectDirectory);
        const string model = "model A.M\ninput 2\ndense 50 activation=relu\nbatch_normalization\ndense 1 activation=sigmoid\n";
        ModelDefinition a = ModelFileParser.Parse("/project/a.model", SourceText.From(model), options, CancellationToken.None);
        ModelDefinition b = ModelFileParser.Parse("/project/b.model", SourceText.From(model.Replace("batch_normalization", "batch_normalization momentum=0.9")), options, CancellationToken.None);
        ModelDefinition c = ModelFileParser.Parse("/project/c.model", SourceText.From(model), options, CancellationToken.None);

        Assert.NotEqual(a.Spec, b.Spec);
        Assert.Equal(a.Spec, c.Spec);
        Assert.Equal(a.Spec.GetHashCode(), c.Spec.GetHashCode());
    }
}
