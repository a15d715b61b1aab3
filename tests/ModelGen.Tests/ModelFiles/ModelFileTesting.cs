using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.FrontEnds.ModelFiles;
using Xunit;

namespace ModelGen.Tests.ModelFiles;

/// <summary>Shared helpers of the <c>.model</c> parser tests: parse text directly, without the generator.</summary>
internal static class ModelFileTesting
{
    public const string FilePath = "/project/Models/Test.model";

    public const string RootNamespace = "Root.Space";

    public static readonly ProjectOptions Options = new(RootNamespace, "/project/");

    public static ModelDefinition Parse(string text, ProjectOptions? options = null, string path = FilePath) =>
        ModelFileParser.Parse(path, SourceText.From(text), options ?? Options, CancellationToken.None);

    /// <summary>Parses text that must have no diagnostics.</summary>
    public static ModelDefinition ParseValid(string text)
    {
        ModelDefinition model = Parse(text);
        Assert.True(model.Diagnostics.IsEmpty, "Unexpected diagnostics:\n" + string.Join("\n", model.Diagnostics.Select(Describe)));
        return model;
    }

    /// <summary>The single layer of <c>model M / input 8x8x1 / {line}</c>, which must parse without diagnostics.</summary>
    public static LayerSpec SingleLayer(string line)
    {
        ModelDefinition model = ParseValid("model M\ninput 8x8x1\n" + line + "\n");
        return Assert.Single(model.Spec.Layers);
    }

    public static string MessageOf(DiagnosticInfo diagnostic) => diagnostic.ToDiagnostic().GetMessage(CultureInfo.InvariantCulture);

    public static string Describe(DiagnosticInfo diagnostic) =>
        $"{diagnostic.Descriptor.Id} {diagnostic.Location?.LineSpan} {MessageOf(diagnostic)}";
}
