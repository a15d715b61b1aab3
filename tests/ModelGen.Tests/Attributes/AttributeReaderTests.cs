using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using Xunit;
using static ModelGen.Tests.Attributes.AttributeTestSupport;

namespace ModelGen.Tests.Attributes;

/// <summary>Front end B: each attribute and argument becomes the expected description, with Keras's defaults for
/// what is not written, in the order written.</summary>
public class AttributeReaderTests
{
    private static readonly DenseSpec DefaultDense = new(8, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros);

    /// <summary>(attribute as written, the layer it describes).</summary>
    public static TheoryData<string, object> Layers => new()
    {
        { "[Dense(8)]", DefaultDense },
        { "[Dense(units: 8)]", DefaultDense },
        { "[Dense(8, Activation = Activation.Linear, UseBias = true, KernelInitializer = Initializer.GlorotUniform, BiasInitializer = Initializer.Zeros)]", DefaultDense },
        {
            "[Dense(8, Activation = Activation.Relu, UseBias = false, KernelInitializer = Initializer.HeNormal, BiasInitializer = Initializer.Ones)]",
            new DenseSpec(8, ActivationKind.Relu, false, InitializerKind.HeNormal, InitializerKind.Ones)
        },
        { "[Dense(3, Activation = Activation.Swish, KernelInitializer = Initializer.LecunNormal)]", new DenseSpec(3, ActivationKind.Swish, true, InitializerKind.LecunNormal, InitializerKind.Zeros) },
        { "[BatchNormalization]", new BatchNormalizationSpec(0.99, 1e-3, true, true) },
        { "[BatchNormalization()]", new BatchNormalizationSpec(0.99, 1e-3, true, true) },
        { "[BatchNormalization(Momentum = 0.9, Epsilon = 1e-5, Center = false, Scale = false)]", new BatchNormalizationSpec(0.9, 1e-5, false, false) },
        { "[BatchNormalization(Epsilon = 1)]", new BatchNormalizationSpec(0.99, 1.0, true, true) },
        { "[Activation(Activation.Softmax)]", new ActivationSpec(ActivationKind.Softmax) },
        { "[Activation(Activation.LeakyRelu)]", new ActivationSpec(ActivationKind.LeakyRelu) },
        { "[Activation(Activation.Gelu)]", new ActivationSpec(ActivationKind.Gelu) },
        { "[Dropout(0.25)]", new DropoutSpec(0.25, null) },
        { "[Dropout(0.5, Seed = 7)]", new DropoutSpec(0.5, 7) },
        { "[Dropout(0.5, Seed = 0)]", new DropoutSpec(0.5, 0) },
        { "[Conv2D(16)]", new Conv2DSpec(16, 3, 3, 1, 1, PaddingKind.Valid, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros) },
        {
            "[Conv2D(16, KernelSize = 5, Strides = 2, Padding = Padding.Same, Activation = Activation.Relu, UseBias = false, KernelInitializer = Initializer.HeUniform, BiasInitializer = Initializer.Ones)]",
            new Conv2DSpec(16, 5, 5, 2, 2, PaddingKind.Same, ActivationKind.Relu, false, InitializerKind.HeUniform, InitializerKind.Ones)
        },
        {
            "[Conv2D(4, KernelSize = 5, KernelHeight = 3, StrideWidth = 2)]",
            new Conv2DSpec(4, 3, 5, 1, 2, PaddingKind.Valid, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros)
        },
        {
            "[Conv2D(4, KernelHeight = 1, KernelWidth = 7, Strides = 3, StrideHeight = 1)]",
            new Conv2DSpec(4, 1, 7, 1, 3, PaddingKind.Valid, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros)
        },
        { "[MaxPooling2D]", new MaxPooling2DSpec(2, 2, 2, 2, PaddingKind.Valid) },
        { "[MaxPooling2D(3)]", new MaxPooling2DSpec(3, 3, 3, 3, PaddingKind.Valid) },
        { "[MaxPooling2D(poolSize: 3)]", new MaxPooling2DSpec(3, 3, 3, 3, PaddingKind.Valid) },
        { "[MaxPooling2D(3, Strides = 1, Padding = Padding.Same)]", new MaxPooling2DSpec(3, 3, 1, 1, PaddingKind.Same) },
        { "[MaxPooling2D(PoolHeight = 2, PoolWidth = 4)]", new MaxPooling2DSpec(2, 4, 2, 4, PaddingKind.Valid) },
        { "[MaxPooling2D(2, StrideHeight = 1)]", new MaxPooling2DSpec(2, 2, 1, 2, PaddingKind.Valid) },
        { "[MaxPooling2D(2, Strides = 3, StrideWidth = 1)]", new MaxPooling2DSpec(2, 2, 3, 1, PaddingKind.Valid) },
        { "[AveragePooling2D]", new AveragePooling2DSpec(2, 2, 2, 2, PaddingKind.Valid) },
        { "[AveragePooling2D(3, Strides = 1, Padding = Padding.Same)]", new AveragePooling2DSpec(3, 3, 1, 1, PaddingKind.Same) },
        { "[AveragePooling2D(PoolHeight = 2, PoolWidth = 4, StrideWidth = 1)]", new AveragePooling2DSpec(2, 4, 2, 1, PaddingKind.Valid) },
        { "[MaxPooling1D]", new MaxPooling1DSpec(2, 2, PaddingKind.Valid) },
        { "[MaxPooling1D(3)]", new MaxPooling1DSpec(3, 3, PaddingKind.Valid) },
        { "[MaxPooling1D(poolSize: 4, Strides = 1, Padding = Padding.Same)]", new MaxPooling1DSpec(4, 1, PaddingKind.Same) },
        { "[AveragePooling1D]", new AveragePooling1DSpec(2, 2, PaddingKind.Valid) },
        { "[AveragePooling1D(3, Strides = 2, Padding = Padding.Same)]", new AveragePooling1DSpec(3, 2, PaddingKind.Same) },
        { "[GlobalAveragePooling1D]", new GlobalAveragePooling1DSpec() },
        { "[GlobalMaxPooling1D]", new GlobalMaxPooling1DSpec() },
        { "[GlobalAveragePooling2D]", new GlobalAveragePooling2DSpec() },
        { "[GlobalMaxPooling2D()]", new GlobalMaxPooling2DSpec() },
        { "[Flatten]", new FlattenSpec() },
        { "[Lstm(32)]", new LstmSpec(32, ActivationKind.Tanh, ActivationKind.Sigmoid, false) },
        {
            "[Lstm(32, Activation = Activation.Relu, RecurrentActivation = Activation.Tanh, ReturnSequences = true)]",
            new LstmSpec(32, ActivationKind.Relu, ActivationKind.Tanh, true)
        },
    };

    /// <summary>(compile attribute as written, the compile step it describes).</summary>
    public static TheoryData<string, object> Compiles => new()
    {
        { "[Compile(Loss.BinaryCrossentropy)]", new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0, false, 0, 0.9, 0.999, 1e-7, true, 32) },
        { "[Compile(Loss.CategoricalCrossentropy, Optimizer = Optimizer.Adam)]", new CompileSpec(LossKind.CategoricalCrossentropy, OptimizerKind.Adam, 0.001, 0, false, 0, 0.9, 0.999, 1e-7, true, 32) },
        {
            "[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9)]",
            new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0.9, false, 0, 0.9, 0.999, 1e-7, true, 32)
        },
        {
            "[Compile(Loss.MeanSquaredError, LearningRate = 0.1, Momentum = 0.5, Nesterov = true, Decay = 1e-4, Metrics = \"\", BatchSize = 64)]",
            new CompileSpec(LossKind.MeanSquaredError, OptimizerKind.Sgd, 0.1, 0.5, true, 1e-4, 0.9, 0.999, 1e-7, false, 64)
        },
        {
            "[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Adam, LearningRate = 3e-4, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-8, Metrics = \"Accuracy\")]",
            new CompileSpec(LossKind.SparseCategoricalCrossentropy, OptimizerKind.Adam, 3e-4, 0, false, 0, 0.8, 0.99, 1e-8, true, 32)
        },
        { "[Compile(Loss.BinaryCrossentropy, Metrics = \"none\")]", new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0, false, 0, 0.9, 0.999, 1e-7, false, 32) },
        { "[Compile(Loss.BinaryCrossentropy, Metrics = null)]", new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0, false, 0, 0.9, 0.999, 1e-7, false, 32) },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void EachLayerAttributeBecomesItsLayer(string attribute, object expected)
    {
        ModelDefinition model = Read(ModelSource(attribute), "Samples.Net");

        Assert.Empty(model.Diagnostics);
        Assert.Equal(expected, Assert.Single(model.Spec.Layers));
    }

    [Theory]
    [MemberData(nameof(Compiles))]
    public void CompileAttributeBecomesTheCompileStep(string attribute, object expected)
    {
        ModelDefinition model = Read(ModelSource("[Dense(1)]\n" + attribute), "Samples.Net");

        Assert.Empty(model.Diagnostics);
        Assert.Equal(expected, model.Spec.Compile);
    }

    [Fact]
    public void WithoutCompileTheModelOnlyPredicts()
    {
        ModelDefinition model = Read(ModelSource("[Dense(1)]"), "Samples.Net");

        Assert.Null(model.Spec.Compile);
        Assert.Null(model.Map.Compile);
    }

    [Theory]
    [InlineData("[Input(2)]", new[] { 2 })]
    [InlineData("[Input(10, 3)]", new[] { 10, 3 })]
    [InlineData("[Input(28, 28, 1)]", new[] { 28, 28, 1 })]
    [InlineData("[Input(height: 32, width: 16, channels: 3)]", new[] { 32, 16, 3 })]
    public void InputIsTheShapeOfOneSample(string input, int[] shape)
    {
        ModelDefinition model = Read($"using ModelGen;\n[Model]\n{input}\n[Flatten]\npartial class Net;", "Net");

        Assert.Equal(new InputSpec(shape.ToEquatableArray()), model.Spec.Input);
    }

    [Fact]
    public void LayersFollowTheWrittenOrderAcrossAndWithinAttributeLists()
    {
        ModelDefinition model = Read(
            """
            using ModelGen;

            [Compile(Loss.BinaryCrossentropy)]
            [Model, Input(2)]
            [Dense(4), BatchNormalization]
            [Activation(Activation.Relu)] [Dropout(0.5)]
            [Dense(1, Activation = Activation.Sigmoid)]
            partial class Net;
            """,
            "Net");

        Assert.Empty(model.Diagnostics);
        Assert.Equal(
            new LayerSpec[]
            {
                new DenseSpec(4, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros),
                new BatchNormalizationSpec(0.99, 1e-3, true, true),
                new ActivationSpec(ActivationKind.Relu),
                new DropoutSpec(0.5, null),
                new DenseSpec(1, ActivationKind.Sigmoid, true, InitializerKind.GlorotUniform, InitializerKind.Zeros),
            },
            model.Spec.Layers);
        Assert.NotNull(model.Spec.Compile);
    }

    [Fact]
    public void TheSpecCirclesSampleReadsAsWritten()
    {
        ModelDefinition model = Read(
            """
            using ModelGen;

            [Model]
            [Input(2)]
            [Dense(50, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform)]
            [BatchNormalization]                                  // Momentum = 0.99, Epsilon = 1e-3, Center, Scale
            [Dense(1, Activation = Activation.Sigmoid)]
            [Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9)]
            public partial class CirclesNet;
            """,
            "CirclesNet");

        var expected = new ModelSpec(
            new InputSpec(EquatableArray.Create(2)),
            EquatableArray.Create<LayerSpec>(
                new DenseSpec(50, ActivationKind.Relu, true, InitializerKind.HeUniform, InitializerKind.Zeros),
                new BatchNormalizationSpec(0.99, 0.001, true, true),
                new DenseSpec(1, ActivationKind.Sigmoid, true, InitializerKind.GlorotUniform, InitializerKind.Zeros)),
            new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0.9, false, 0, 0.9, 0.999, 1e-7, true, 32));
        Assert.Equal(expected, model.Spec);
        Assert.Equal(ModelOrigin.Attributes, model.Origin);
        Assert.Equal("Models.cs", model.SourceName);
        Assert.Empty(model.Diagnostics);
    }

    [Fact]
    public void MapPointsAtTheClassIdentifierAndEachAttribute()
    {
        ModelDefinition model = Read(
            """
            using ModelGen;

            [Model]
            [Input(2)]
            [Dense(8, Activation = Activation.Relu, UseBias = false), MaxPooling2D]
            [MaxPooling2D(3)]
            [Compile(Loss.MeanSquaredError, BatchSize = 8)]
            partial class Net;
            """,
            "Net");

        ModelSourceMap map = model.Map;
        Assert.Equal((SourcePath, 8, 15), Start(map.Model));
        Assert.Equal("Net".Length, map.Model!.Span.Length);
        Assert.Equal((SourcePath, 4, 2), Start(map.Input));
        Assert.Equal("Input(2)".Length, map.Input!.Span.Length);

        Assert.Equal(3, map.Layers.Count);
        Assert.Equal((SourcePath, 5, 2), Start(map.Layers[0].Location));
        Assert.Equal("Dense(8, Activation = Activation.Relu, UseBias = false)".Length, map.Layers[0].Location.Span.Length);
        Assert.Equal(["units", "activation", "use_bias"], map.Layers[0].Keys.Select(k => k.Key));
        Assert.All(map.Layers[0].Keys, key => Assert.Equal(map.Layers[0].Location, key.Location));
        Assert.Equal((SourcePath, 5, 59), Start(map.Layers[1].Location));
        Assert.Empty(map.Layers[1].Keys);
        Assert.Equal(["pool_size"], map.Layers[2].Keys.Select(k => k.Key));

        Assert.NotNull(map.Compile);
        Assert.Equal((SourcePath, 7, 2), Start(map.Compile.Location));
        Assert.Equal(["loss", "batch_size"], map.Compile.Keys.Select(k => k.Key));
        Assert.Equal(map.Compile.Location, map.CompileKey("learning_rate"));
    }

    [Theory]
    [InlineData("Units", "units")]
    [InlineData("poolSize", "pool_size")]
    [InlineData("UseBias", "use_bias")]
    [InlineData("KernelInitializer", "kernel_initializer")]
    [InlineData("Beta1", "beta_1")]
    [InlineData("LearningRate", "learning_rate")]
    public void KeysAreTheKerasSnakeCase(string name, string key) => Assert.Equal(key, Generator.FrontEnds.Attributes.AttributeTable.KeyOf(name));

    [Fact]
    public void TypeIdentityOfANamespacedPublicClass()
    {
        ModelDefinition model = Read(ModelSource("[Dense(1)]").Replace("namespace Samples;", "namespace Samples.Deep;"), "Samples.Deep.Net");

        Assert.Equal(new TypeIdentity("Samples.Deep", "Net", EquatableArray<string>.Empty, "public"), model.Type);
        Assert.Equal("Samples.Deep.Net", model.Type.FullName);
    }

    [Fact]
    public void TypeIdentityInTheGlobalNamespace()
    {
        ModelDefinition model = Read("using ModelGen;\n[Model, Input(2), Dense(1)]\npartial class Net { }", "Net");

        Assert.Equal(new TypeIdentity(string.Empty, "Net", EquatableArray<string>.Empty, "internal"), model.Type);
        Assert.Equal("Net", model.Type.FullName);
    }

    [Fact]
    public void TypeIdentityListsTheContainingTypesOutermostFirst()
    {
        ModelDefinition model = Read(
            """
            using ModelGen;

            namespace Outer.Space
            {
                public partial class A
                {
                    internal partial struct B
                    {
                        private partial record C
                        {
                            public partial record struct D
                            {
                                public partial interface E
                                {
                                    [Model, Input(2), Dense(1)]
                                    protected internal partial class Net;
                                }
                            }
                        }
                    }
                }
            }
            """,
            "Outer.Space.A+B+C+D+E+Net");

        Assert.Empty(model.Diagnostics);
        Assert.Equal(
            new TypeIdentity(
                "Outer.Space",
                "Net",
                EquatableArray.Create("partial class A", "partial struct B", "partial record C", "partial record struct D", "partial interface E"),
                "protected internal"),
            model.Type);
        Assert.Equal("Outer.Space.A.B.C.D.E.Net", model.Type.FullName);
    }

    [Fact]
    public void ReadingTheSameSourceTwiceGivesEqualDefinitions()
    {
        string source = ModelSource("[Dense(8, Activation = Activation.Relu)]\n[BatchNormalization(Momentum = 0.9)]\n[Compile(Loss.MeanSquaredError)]");

        Assert.Equal(Read(source, "Samples.Net"), Read(source, "Samples.Net"));
    }

    [Fact]
    public void GeneratorEnumsHaveTheRuntimeEnumsNumbers()
    {
        AssertSameMembers<Activation, ActivationKind>();
        AssertSameMembers<Initializer, InitializerKind>();
        AssertSameMembers<Loss, LossKind>();
        AssertSameMembers<Optimizer, OptimizerKind>();
        AssertSameMembers<Padding, PaddingKind>();
    }

    private static void AssertSameMembers<TRuntime, TKind>()
        where TRuntime : struct, Enum
        where TKind : struct, Enum
    {
        static IEnumerable<(string, int)> Members<T>()
            where T : struct, Enum => Enum.GetValues<T>().Select(v => (v.ToString(), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(Members<TRuntime>(), Members<TKind>());
    }

    private static (string Path, int Line, int Column) Start(LocationInfo? location)
    {
        Assert.NotNull(location);
        return (location.FilePath, location.LineSpan.Start.Line + 1, location.LineSpan.Start.Character + 1);
    }
}
