using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Diagnostics;

/// <summary>Every diagnostic ModelGen reports (SPEC §6; the IDs are binding). docs/diagnostics.md explains each one
/// with an example and its fix.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ModelGen";

    public static readonly DiagnosticDescriptor ModelTypeNotSupported = Error(
        "MG0001",
        "Model class cannot be generated into",
        "Model class '{0}' {1}");

    public static readonly DiagnosticDescriptor SyntaxError = Error(
        "MG0002",
        ".model syntax error",
        "{0}");

    public static readonly DiagnosticDescriptor BadArgument = Error(
        "MG0003",
        "Invalid layer or compile argument",
        "{0}");

    public static readonly DiagnosticDescriptor BadStructure = Error(
        "MG0004",
        "Model structure is incomplete or out of order",
        "{0}");

    public static readonly DiagnosticDescriptor ShapeError = Error(
        "MG0005",
        "Layer does not fit the shape of its input",
        "{0}");

    public static readonly DiagnosticDescriptor LossOutputMismatch = Error(
        "MG0006",
        "Loss does not fit the output layer",
        "{0}");

    public static readonly DiagnosticDescriptor BatchNormalizationAfterOutput = Warning(
        "MG0007",
        "BatchNormalization after the output activation",
        "{0}");

    public static readonly DiagnosticDescriptor RedundantBiasBeforeBatchNormalization = Warning(
        "MG0008",
        "Bias before BatchNormalization is redundant",
        "{0} '{1}' has a bias and is followed by BatchNormalization, which subtracts the batch mean and so cancels the bias; set {2} to drop 1 parameter per unit");

    public static readonly DiagnosticDescriptor DropoutBeforeBatchNormalization = Warning(
        "MG0009",
        "Dropout directly before BatchNormalization",
        "Dropout '{0}' directly before BatchNormalization '{1}' shifts the variance between training and inference (BN learns statistics of dropped-out activations but sees full ones at inference); put the Dropout after the BatchNormalization");

    public static readonly DiagnosticDescriptor RepeatedLayer = Warning(
        "MG0010",
        "The same operation twice in a row",
        "{0}");

    public static readonly DiagnosticDescriptor LayerAttributeWithoutModel = Warning(
        "MG0011",
        "Layer attribute on a class without [Model]",
        "[{0}] on '{1}' has no effect because the class has no [Model] attribute; add [Model] to generate the model, or remove the attribute");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error(
        "MG0012",
        "Model attributes split over several partial declarations",
        "The attributes of model '{0}' are split over {1} partial declarations, so the layer order is undefined; put [Model], [Input], the layers and [Compile] on one declaration");

    public static readonly DiagnosticDescriptor DuplicateModelType = Error(
        "MG0013",
        "Two models generate the same type",
        "Model '{0}' is also defined in {1}; two models cannot generate the same type: rename one of them");

    public static readonly DiagnosticDescriptor LowBatchNormalizationMomentum = Warning(
        "MG0014",
        "BatchNormalization momentum looks like PyTorch's",
        "BatchNormalization '{0}' has momentum {1}: Keras's momentum is the weight of the old statistic (default 0.99), so the moving statistics will follow each batch almost entirely; if this is PyTorch's momentum={1}, write momentum={2}");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "MG0015",
        "Internal error in ModelGen",
        "ModelGen could not generate model '{0}': {1}. This is a bug in ModelGen; please report it with the model definition.");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
}
