using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.CodeFixes;

/// <summary>
/// The fix for MG0008 (a bias right before BatchNormalization is redundant) in the attribute form: sets
/// <c>UseBias = false</c> on the <c>[Dense]</c> or <c>[Conv2D]</c> attribute the diagnostic points at, adding the
/// argument or replacing the value of one already written.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseBiasFalseCodeFixProvider))]
[Shared]
public sealed class UseBiasFalseCodeFixProvider : CodeFixProvider
{
    /// <summary>The code action's title, also its equivalence key for Fix All.</summary>
    public const string Title = "Set UseBias = false";

    private const string UseBias = "UseBias";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.RedundantBiasBeforeBatchNormalization.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (AttributeAt(root, diagnostic) is not { } attribute)
            {
                continue;
            }

            Document document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => SetUseBiasFalseAsync(document, attribute, cancellationToken),
                    equivalenceKey: Title),
                diagnostic);
        }
    }

    /// <summary>The attribute that <paramref name="diagnostic"/>'s span covers (MG0008 spans the whole attribute).</summary>
    private static AttributeSyntax? AttributeAt(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Location.IsInSource || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
        {
            return null;
        }

        return root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>();
    }

    private static async Task<Document> SetUseBiasFalseAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceNode(attribute, WithUseBiasFalse(attribute)));
    }

    /// <summary><paramref name="attribute"/> with <c>UseBias = false</c>: an existing <c>UseBias = ...</c> gets the value
    /// <c>false</c> (its trivia kept); otherwise the argument is appended, after a <c>", "</c>.</summary>
    internal static AttributeSyntax WithUseBiasFalse(AttributeSyntax attribute)
    {
        LiteralExpressionSyntax falseLiteral = SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression, Token(SyntaxKind.FalseKeyword));
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();

        AttributeArgumentSyntax? existing = arguments.Arguments.FirstOrDefault(
            static argument => argument.NameEquals?.Name.Identifier.ValueText == UseBias);
        if (existing is not null)
        {
            return attribute.ReplaceNode(
                existing.Expression,
                falseLiteral.WithTriviaFrom(existing.Expression));
        }

        return attribute.WithArgumentList(Append(arguments, NamedArgument(UseBias, falseLiteral)));
    }

    /// <summary>Appends <paramref name="argument"/> as the last argument, moving the old last argument's trailing trivia
    /// (a space or line break before <c>)</c>) after the new one.</summary>
    private static AttributeArgumentListSyntax Append(AttributeArgumentListSyntax arguments, AttributeArgumentSyntax argument)
    {
        SeparatedSyntaxList<AttributeArgumentSyntax> list = arguments.Arguments;
        if (list.Count == 0)
        {
            return arguments.WithArguments(list.Add(argument));
        }

        AttributeArgumentSyntax last = list[list.Count - 1];
        SyntaxTriviaList trailing = last.GetTrailingTrivia();
        list = list.Replace(last, last.WithoutTrailingTrivia());
        SyntaxToken comma = Token(SyntaxKind.CommaToken, SyntaxFactory.Space);
        var nodesAndTokens = list.GetWithSeparators()
            .Add(comma)
            .Add(argument.WithTrailingTrivia(trailing));
        return arguments.WithArguments(SyntaxFactory.SeparatedList<AttributeArgumentSyntax>(nodesAndTokens));
    }

    /// <summary><c>name = value</c>, spaced as people write it.</summary>
    private static AttributeArgumentSyntax NamedArgument(string name, ExpressionSyntax value) =>
        SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(
                SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxTriviaList.Empty, name, SyntaxTriviaList.Empty)),
                Token(SyntaxKind.EqualsToken, SyntaxFactory.Space, SyntaxFactory.Space)),
            nameColon: null,
            value);

    /// <summary>A token with exactly the given trivia. <c>SyntaxFactory.Token(kind)</c> adds elastic trivia, which the
    /// code action's clean-up reformats, changing the user's spacing around the edit.</summary>
    private static SyntaxToken Token(SyntaxKind kind, SyntaxTrivia? trailing = null) =>
        Token(kind, leading: null, trailing);

    private static SyntaxToken Token(SyntaxKind kind, SyntaxTrivia? leading, SyntaxTrivia? trailing) =>
        SyntaxFactory.Token(TriviaList(leading), kind, TriviaList(trailing));

    private static SyntaxTriviaList TriviaList(SyntaxTrivia? trivia) =>
        trivia is { } single ? SyntaxFactory.TriviaList(single) : SyntaxFactory.TriviaList();
}
