using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>Front end B: reads the attributes of a <c>[Model]</c> class (SPEC §2) into a <see cref="ModelDefinition"/>. STUB.</summary>
internal static class AttributeReader
{
    public const string ModelAttributeName = "ModelGen.ModelAttribute";

    public static ModelDefinition Read(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        throw new NotImplementedException();
    }
}
