using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>
/// The attributes of front end B (SPEC §2) and how each becomes part of the model description. Every argument a user
/// did not write takes Keras's default, the same one the <c>.model</c> parser uses, so that both front ends describe
/// the same model with equal records.
/// </summary>
internal static class AttributeTable
{
    /// <summary>The namespace of every ModelGen attribute.</summary>
    public const string Namespace = "ModelGen";

    public const string Model = "ModelAttribute";
    public const string Input = "InputAttribute";
    public const string Compile = "CompileAttribute";

    /// <summary>The layer attributes by class name, each with the reading of its arguments into a <see cref="LayerSpec"/>.</summary>
    public static readonly IReadOnlyDictionary<string, LayerMapping> Layers = new Dictionary<string, LayerMapping>(StringComparer.Ordinal)
    {
        ["DenseAttribute"] = new("Dense", static a => new DenseSpec(
            a.Int("Units", 0),
            a.Enum("Activation", ActivationKind.Linear),
            a.Bool("UseBias", true),
            a.Enum("KernelInitializer", InitializerKind.GlorotUniform),
            a.Enum("BiasInitializer", InitializerKind.Zeros))),
        ["BatchNormalizationAttribute"] = new("BatchNormalization", static a => new BatchNormalizationSpec(
            a.Double("Momentum", BatchNormalizationSpec.DefaultMomentum),
            a.Double("Epsilon", BatchNormalizationSpec.DefaultEpsilon),
            a.Bool("Center", true),
            a.Bool("Scale", true))),
        ["ActivationAttribute"] = new("Activation", static a => new ActivationSpec(a.Enum("Activation", ActivationKind.Linear))),
        ["DropoutAttribute"] = new("Dropout", static a => new DropoutSpec(a.Double("Rate", 0), a.OptionalInt("Seed"))),
        ["Conv2DAttribute"] = new("Conv2D", ReadConv2D),
        ["Conv1DAttribute"] = new("Conv1D", static a => new Conv2DSpec(
            a.Int("Filters", 0),
            1,
            a.Int("KernelSize", 3),
            1,
            a.Int("Strides", 1),
            a.Enum("Padding", PaddingKind.Valid),
            a.Enum("Activation", ActivationKind.Linear),
            a.Bool("UseBias", true),
            a.Enum("KernelInitializer", InitializerKind.GlorotUniform),
            a.Enum("BiasInitializer", InitializerKind.Zeros)) { Sequence = true }),
        ["MaxPooling2DAttribute"] = new("MaxPooling2D", ReadMaxPooling2D),
        ["FlattenAttribute"] = new("Flatten", static _ => new FlattenSpec()),
        ["LstmAttribute"] = new("Lstm", static a => new LstmSpec(
            a.Int("Units", 0),
            a.Enum("Activation", ActivationKind.Tanh),
            a.Enum("RecurrentActivation", ActivationKind.Sigmoid),
            a.Bool("ReturnSequences", false))),
        ["GruAttribute"] = new("Gru", static a => new GruSpec(
            a.Int("Units", 0),
            a.Enum("Activation", ActivationKind.Tanh),
            a.Enum("RecurrentActivation", ActivationKind.Sigmoid),
            a.Bool("ReturnSequences", false),
            a.Bool("ResetAfter", true))),
        ["AveragePooling2DAttribute"] = new("AveragePooling2D", ReadAveragePooling2D),
        ["MaxPooling1DAttribute"] = new("MaxPooling1D", static a => ReadPooling1D(a, static (pool, stride, padding) => new MaxPooling1DSpec(pool, stride, padding))),
        ["AveragePooling1DAttribute"] = new("AveragePooling1D", static a => ReadPooling1D(a, static (pool, stride, padding) => new AveragePooling1DSpec(pool, stride, padding))),
        ["GlobalAveragePooling1DAttribute"] = new("GlobalAveragePooling1D", static _ => new GlobalAveragePooling1DSpec()),
        ["GlobalMaxPooling1DAttribute"] = new("GlobalMaxPooling1D", static _ => new GlobalMaxPooling1DSpec()),
        ["GlobalAveragePooling2DAttribute"] = new("GlobalAveragePooling2D", static _ => new GlobalAveragePooling2DSpec()),
        ["GlobalMaxPooling2DAttribute"] = new("GlobalMaxPooling2D", static _ => new GlobalMaxPooling2DSpec()),
    };

    /// <summary>The full metadata names of <c>[Input]</c>, the layer attributes and <c>[Compile]</c>: the attributes that
    /// only mean something on a <c>[Model]</c> class.</summary>
    public static IEnumerable<string> ModelPartMetadataNames =>
        new[] { Input, Compile }.Concat(Layers.Keys).Select(static name => Namespace + "." + name);

    /// <summary>The class name of <paramref name="attributeClass"/> when it is one of ModelGen's attributes (a top-level
    /// type of the <c>ModelGen</c> namespace); otherwise <see langword="null"/>. Cheaper than comparing display strings.</summary>
    public static string? ClassNameOf(INamedTypeSymbol? attributeClass) =>
        attributeClass is { ContainingType: null, ContainingNamespace: { Name: Namespace, ContainingNamespace.IsGlobalNamespace: true } }
            ? attributeClass.Name
            : null;

    /// <summary>An attribute's name as users write it: <c>DenseAttribute</c> → <c>Dense</c>.</summary>
    public static string ShortNameOf(string className) =>
        className.EndsWith("Attribute", StringComparison.Ordinal) ? className.Substring(0, className.Length - "Attribute".Length) : className;

    /// <summary><c>[Input(h, w, c)]</c>: the shape is the constructor arguments.</summary>
    public static InputSpec ReadInput(AttributeArguments arguments) => new(arguments.ConstructorInts().ToEquatableArray());

    /// <summary><c>[Compile]</c>: Keras's defaults, the learning rate depending on the optimizer.</summary>
    public static CompileSpec ReadCompile(AttributeArguments a)
    {
        OptimizerKind optimizer = a.Enum("Optimizer", OptimizerKind.Sgd);
        return new CompileSpec(
            a.Enum("Loss", LossKind.BinaryCrossentropy),
            optimizer,
            a.Double("LearningRate", CompileSpec.DefaultLearningRate(optimizer)),
            a.Double("Momentum", 0),
            a.Bool("Nesterov", false),
            a.Double("Decay", 0),
            a.Double("Beta1", KerasDefaults.AdamBeta1),
            a.Double("Beta2", KerasDefaults.AdamBeta2),
            a.Double("Epsilon", KerasDefaults.AdamEpsilon),
            ReadAccuracy(a),
            a.Int("BatchSize", CompileSpec.DefaultBatchSize));
    }

    /// <summary>The snake_case key of a C# argument name, as in <c>.model</c> files: <c>UseBias</c> → <c>use_bias</c>,
    /// <c>poolSize</c> → <c>pool_size</c>, <c>Beta1</c> → <c>beta_1</c>.</summary>
    public static string KeyOf(string name)
    {
        var key = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool wordStarts = i > 0 && (char.IsUpper(c) || (char.IsDigit(c) && char.IsLetter(name[i - 1])));
            if (wordStarts)
            {
                key.Append('_');
            }

            key.Append(char.ToLowerInvariant(c));
        }

        return key.ToString();
    }

    /// <summary>A square kernel size or stride that the per-axis property overrides when that one is set (non-zero).</summary>
    private static int Override(int perAxis, int square) => perAxis != 0 ? perAxis : square;

    private static LayerSpec ReadConv2D(AttributeArguments a)
    {
        int kernelSize = a.Int("KernelSize", 3);
        int strides = a.Int("Strides", 1);
        return new Conv2DSpec(
            a.Int("Filters", 0),
            Override(a.Int("KernelHeight", 0), kernelSize),
            Override(a.Int("KernelWidth", 0), kernelSize),
            Override(a.Int("StrideHeight", 0), strides),
            Override(a.Int("StrideWidth", 0), strides),
            a.Enum("Padding", PaddingKind.Valid),
            a.Enum("Activation", ActivationKind.Linear),
            a.Bool("UseBias", true),
            a.Enum("KernelInitializer", InitializerKind.GlorotUniform),
            a.Enum("BiasInitializer", InitializerKind.Zeros));
    }

    /// <summary>MaxPooling2D: the strides default to the pool size, per axis (Keras's <c>strides=None</c>).</summary>
    private static LayerSpec ReadMaxPooling2D(AttributeArguments a)
    {
        int poolSize = a.Int("PoolSize", 2);
        int poolHeight = Override(a.Int("PoolHeight", 0), poolSize);
        int poolWidth = Override(a.Int("PoolWidth", 0), poolSize);
        int strides = a.Int("Strides", 0);
        return new MaxPooling2DSpec(
            poolHeight,
            poolWidth,
            Override(a.Int("StrideHeight", 0), Override(strides, poolHeight)),
            Override(a.Int("StrideWidth", 0), Override(strides, poolWidth)),
            a.Enum("Padding", PaddingKind.Valid));
    }

    /// <summary>AveragePooling2D: as MaxPooling2D, the strides defaulting to the pool size per axis.</summary>
    private static LayerSpec ReadAveragePooling2D(AttributeArguments a)
    {
        var max = (MaxPooling2DSpec)ReadMaxPooling2D(a);
        return new AveragePooling2DSpec(max.PoolHeight, max.PoolWidth, max.StrideHeight, max.StrideWidth, max.Padding);
    }

    /// <summary>MaxPooling1D and AveragePooling1D: the pool size (2) and the strides (the pool size, Keras's <c>strides=None</c>).</summary>
    private static LayerSpec ReadPooling1D(AttributeArguments a, Func<int, int, PaddingKind, LayerSpec> create)
    {
        int poolSize = a.Int("PoolSize", 2);
        return create(poolSize, Override(a.Int("Strides", 0), poolSize), a.Enum("Padding", PaddingKind.Valid));
    }

    /// <summary><c>Metrics</c>: <c>"accuracy"</c> (the default) or none (<c>""</c>, <c>"none"</c>, <see langword="null"/>).</summary>
    private static bool ReadAccuracy(AttributeArguments a)
    {
        string metrics = a.String("Metrics", "accuracy")?.Trim() ?? string.Empty;
        if (metrics.Length == 0 || string.Equals(metrics, "none", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (string.Equals(metrics, "accuracy", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        a.AddProblem($"[{a.ShortName}] Metrics = \"{metrics}\" is not a known metric; expected \"accuracy\" or \"\" (none)");
        return false;
    }
}

/// <summary>A layer attribute: its name as written and the reading of its arguments.</summary>
internal sealed class LayerMapping(string shortName, Func<AttributeArguments, LayerSpec> read)
{
    public string ShortName { get; } = shortName;

    public Func<AttributeArguments, LayerSpec> Read { get; } = read;
}
