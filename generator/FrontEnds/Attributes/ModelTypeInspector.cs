using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>What the generator needs to know about a <c>[Model]</c> class itself: the type to generate into
/// (<see cref="TypeIdentity"/>) and whether it can be generated into at all (MG0001).</summary>
internal static class ModelTypeInspector
{
    /// <summary>The namespace, name and containing type declarations of <paramref name="type"/>.</summary>
    public static TypeIdentity IdentityOf(INamedTypeSymbol type)
    {
        var containingTypes = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containingTypes.Insert(0, "partial " + KeywordOf(outer) + " " + outer.Name);
        }

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() : string.Empty;
        return new TypeIdentity(ns, type.Name, containingTypes.ToEquatableArray(), AccessibilityOf(type.DeclaredAccessibility));
    }

    /// <summary>Why no code can be generated into <paramref name="type"/>, as the end of the MG0001 message
    /// ("Model class 'M' ..."), or <see langword="null"/> when it can be.</summary>
    public static string? WhyUnsupported(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return "must be a class: declare it as 'partial class " + type.Name + "'";
        }

        if (type.IsStatic)
        {
            return "is static: remove the static modifier, the generated model has instance members";
        }

        if (!IsPartial(type, cancellationToken))
        {
            return "is not partial: add the partial modifier";
        }

        if (type.Arity > 0)
        {
            return "is generic: a model class cannot have type parameters";
        }

        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!IsPartial(outer, cancellationToken))
            {
                return $"is nested in '{outer.Name}', which is not partial: add the partial modifier to '{outer.Name}'";
            }

            if (outer.Arity > 0)
            {
                return $"is nested in the generic type '{outer.Name}': move it out of '{outer.Name}'";
            }
        }

        return null;
    }

    /// <summary>Whether every declaration of <paramref name="type"/> in source has the <c>partial</c> modifier.</summary>
    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The keyword that declares a type of this kind, for a containing type's <c>partial</c> declaration.</summary>
    private static string KeywordOf(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Struct when type.IsRecord => "record struct",
        TypeKind.Struct => "struct",
        TypeKind.Interface => "interface",
        _ when type.IsRecord => "record",
        _ => "class",
    };

    private static string AccessibilityOf(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "internal",
    };
}
