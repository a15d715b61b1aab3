using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ModelGen.CodeFixes;
using ModelGen.Generator.Diagnostics;
using Xunit;

namespace ModelGen.Tests.Attributes;

/// <summary>The MG0008 code fix sets <c>UseBias = false</c> on the attribute the diagnostic points at. The diagnostic is
/// built here, at the attribute's span, as the validator reports it.</summary>
public class UseBiasFalseCodeFixTests
{
    [Fact]
    public void FixesMG0008WithBatchFixAll()
    {
        var provider = new UseBiasFalseCodeFixProvider();

        Assert.Equal("MG0008", Assert.Single(provider.FixableDiagnosticIds));
        Assert.Same(WellKnownFixAllProviders.BatchFixer, provider.GetFixAllProvider());
    }

    [Theory]
    [InlineData(
        "[Dense(50, Activation = Activation.Relu)]",
        "[Dense(50, Activation = Activation.Relu, UseBias = false)]")]
    [InlineData(
        "[Dense(50, UseBias = true, Activation = Activation.Relu)]",
        "[Dense(50, UseBias = false, Activation = Activation.Relu)]")]
    [InlineData(
        "[Dense(50, UseBias = /* keep */ true)]",
        "[Dense(50, UseBias = /* keep */ false)]")]
    [InlineData(
        "[Conv2D(16)]",
        "[Conv2D(16, UseBias = false)]")]
    [InlineData(
        "[Conv2D( 16 )]",
        "[Conv2D( 16, UseBias = false )]")]
    [InlineData(
        "[Input(2), Dense(50)]",
        "[Input(2), Dense(50, UseBias = false)]")]
    [InlineData(
        "[Dense(50,\n       Activation = Activation.Relu)]",
        "[Dense(50,\n       Activation = Activation.Relu, UseBias = false)]")]
    [InlineData(
        "[Dense(50,\n       Activation = Activation.Relu\n)]",
        "[Dense(50,\n       Activation = Activation.Relu, UseBias = false\n)]")]
    public async Task SetsUseBiasFalseOnTheReportedAttribute(string before, string after)
    {
        string fixedSource = await FixAsync(Source(before));

        Assert.Equal(Source(after), fixedSource);
    }

    [Fact]
    public async Task FixAllFixesEveryReportedAttributeOfTheDocument()
    {
        string source = Source("[Dense(50)]\n[BatchNormalization]\n[Conv2D(8, UseBias = true)]\n[BatchNormalization]\n[Dense(3)]");
        Document document = CreateDocument(source);
        SyntaxNode root = (await document.GetSyntaxRootAsync())!;
        ImmutableArray<Diagnostic> diagnostics = root.DescendantNodes().OfType<AttributeSyntax>()
            .Where(a => a.Name.ToString() is "Dense" or "Conv2D" && a.ToString() != "Dense(3)")
            .Select(a => Mg0008(a))
            .ToImmutableArray();
        var provider = new UseBiasFalseCodeFixProvider();
        var context = new FixAllContext(
            document,
            provider,
            FixAllScope.Document,
            UseBiasFalseCodeFixProvider.Title,
            provider.FixableDiagnosticIds,
            new FixedDiagnostics(diagnostics),
            CancellationToken.None);

        CodeAction? fixAll = await provider.GetFixAllProvider()!.GetFixAsync(context);

        Assert.NotNull(fixAll);
        Assert.Equal(
            Source("[Dense(50, UseBias = false)]\n[BatchNormalization]\n[Conv2D(8, UseBias = false)]\n[BatchNormalization]\n[Dense(3)]"),
            await ApplyAsync(fixAll, document.Id));
    }

    private static string Source(string attributes) => $$"""
        using ModelGen;

        [Model]
        [Input(4)]
        {{attributes}}
        [BatchNormalization]
        public partial class Net;
        """;

    /// <summary>Reports MG0008 at the one <c>[Dense]</c> or <c>[Conv2D]</c> attribute of <paramref name="source"/>, runs the
    /// code fix and returns the fixed source.</summary>
    private static async Task<string> FixAsync(string source)
    {
        Document document = CreateDocument(source);
        SyntaxNode root = (await document.GetSyntaxRootAsync())!;
        AttributeSyntax target = root.DescendantNodes().OfType<AttributeSyntax>().Single(a => a.Name.ToString() is "Dense" or "Conv2D");
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, Mg0008(target), (action, _) => actions.Add(action), CancellationToken.None);

        await new UseBiasFalseCodeFixProvider().RegisterCodeFixesAsync(context);

        CodeAction fix = Assert.Single(actions);
        Assert.Equal("Set UseBias = false", fix.Title);
        return await ApplyAsync(fix, document.Id);
    }

    private static Diagnostic Mg0008(AttributeSyntax attribute) => Diagnostic.Create(
        DiagnosticDescriptors.RedundantBiasBeforeBatchNormalization,
        attribute.GetLocation(),
        attribute.Name.ToString(),
        attribute.Name.ToString().ToLowerInvariant(),
        "UseBias = false");

    private static async Task<string> ApplyAsync(CodeAction action, DocumentId documentId)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Solution changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        SourceText text = await changed.GetDocument(documentId)!.GetTextAsync();
        return text.ToString();
    }

    private static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("Test", LanguageNames.CSharp)
            .WithParseOptions(Infrastructure.GeneratorHarness.ParseOptions)
            .AddMetadataReference(MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location));
        return project.AddDocument("Models.cs", source);
    }

    /// <summary>Hands the Fix All provider a fixed set of diagnostics.</summary>
    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);
    }
}
