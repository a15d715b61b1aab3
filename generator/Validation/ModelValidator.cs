using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Validation;

internal static class ModelValidator
{
    public static EquatableArray<DiagnosticInfo> Validate(ModelDefinition model, EquatableArray<ModelTypeEntry> modelTypes) => model.Diagnostics;
}
