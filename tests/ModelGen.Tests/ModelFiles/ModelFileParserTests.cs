using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.ModelFiles;
using Xunit;
using static ModelGen.Tests.ModelFiles.ModelFileTesting;

namespace ModelGen.Tests.ModelFiles;

/// <summary>What valid <c>.model</c> text parses to: every statement, layer, key and value form of SPEC §1, with Keras's
/// defaults resolved, and the source map the validator reports through.</summary>
public class ModelFileParserTests
{
    public const string SpecExample = """
        # Seed: the circles MLP with batch normalization after the activation
        model Samples.Circles.BnAfterRelu        # [Namespace.]ClassName; no namespace -> RootNamespace
        input 2                                  # feature count, or HxWxC for images, or TxF for sequences
        dense 50 activation=relu kernel_initializer=he_uniform
        batch_normalization                      # momentum=0.99 epsilon=0.001 center=true scale=true
        dense 1 activation=sigmoid
        compile loss=binary_crossentropy optimizer=sgd learning_rate=0.01 momentum=0.9 metrics=accuracy
        """;

    [Fact]
    public void SpecExample_ParsesToTheExactModel()
    {
        ModelDefinition model = ParseValid(SpecExample);

        Assert.Equal(ModelOrigin.ModelFile, model.Origin);
        Assert.Equal(new TypeIdentity("Samples.Circles", "BnAfterRelu", EquatableArray<string>.Empty, "public"), model.Type);
        Assert.Equal("Models/Test.model", model.SourceName);
        var expected = new ModelSpec(
            new InputSpec(EquatableArray.Create(2)),
            EquatableArray.Create<LayerSpec>(
                new DenseSpec(50, ActivationKind.Relu, true, InitializerKind.HeUniform, InitializerKind.Zeros),
                new BatchNormalizationSpec(0.99, 0.001, true, true),
                new DenseSpec(1, ActivationKind.Sigmoid, true, InitializerKind.GlorotUniform, InitializerKind.Zeros)),
            new CompileSpec(LossKind.BinaryCrossentropy, OptimizerKind.Sgd, 0.01, 0.9, false, 0, 0.9, 0.999, 1e-7, true, 32));
        Assert.Equal(expected, model.Spec);
    }

    [Fact]
    public void SpecExample_MapsEveryPartToItsToken()
    {
        ModelDefinition model = ParseValid(SpecExample);
        ModelSourceMap map = model.Map;

        AssertAt(map.Model, SpecExample, 1, "Samples.Circles.BnAfterRelu");
        AssertAt(map.Input, SpecExample, 2, "2");
        Assert.Equal(3, map.Layers.Count);
        AssertAt(map.Layer(0), SpecExample, 3, "dense");
        AssertAt(map.LayerKey(0, "units"), SpecExample, 3, "50");
        AssertAt(map.LayerKey(0, "activation"), SpecExample, 3, "relu");
        AssertAt(map.LayerKey(0, "kernel_initializer"), SpecExample, 3, "he_uniform");
        AssertAt(map.LayerKey(0, "use_bias"), SpecExample, 3, "dense"); // not written: falls back to the layer
        AssertAt(map.Layer(1), SpecExample, 4, "batch_normalization");
        Assert.Empty(map.Layers[1].Keys);
        AssertAt(map.LayerKey(2, "activation"), SpecExample, 5, "sigmoid");
        AssertAt(map.Compile!.Location, SpecExample, 6, "compile");
        AssertAt(map.CompileKey("loss"), SpecExample, 6, "binary_crossentropy");
        AssertAt(map.CompileKey("momentum"), SpecExample, 6, "0.9");
        AssertAt(map.CompileKey("metrics"), SpecExample, 6, "accuracy");
        Assert.Equal(
            ["loss", "optimizer", "learning_rate", "momentum", "metrics"],
            map.Compile.Keys.Select(k => k.Key));
    }

    [Fact]
    public void ModelName_WithoutNamespace_GoesIntoTheRootNamespace()
    {
        Assert.Equal(new TypeIdentity(RootNamespace, "Net", EquatableArray<string>.Empty, "public"), ParseValid("model Net").Type);
        Assert.Equal("Net", Parse("model Net", new ProjectOptions(string.Empty, "/project/")).Type.FullName);
        Assert.Equal("A.B.C.Net", ParseValid("model A.B.C.Net").Type.FullName);
        Assert.Equal("_Net2", ParseValid("model _Net2").Type.Name);
    }

    [Fact]
    public void ModelStatement_MayComeAfterOtherStatements()
    {
        ModelDefinition model = ParseValid("input 2\ndense 1\nmodel Late.Net\n");
        Assert.Equal("Late.Net", model.Type.FullName);
        Assert.Single(model.Spec.Layers);
    }

    [Theory]
    [InlineData("input 2", new[] { 2 })]
    [InlineData("input 10x14", new[] { 10, 14 })]
    [InlineData("input 28x28x1", new[] { 28, 28, 1 })]
    [InlineData("INPUT 28X28X1", new[] { 28, 28, 1 })]
    [InlineData("input 10 14", new[] { 10, 14 })]
    [InlineData("input 28 28 1", new[] { 28, 28, 1 })]
    [InlineData("input 28x28 1", new[] { 28, 28, 1 })]
    public void Input_TakesFeaturesSequencesAndImages(string line, int[] shape)
    {
        ModelDefinition model = ParseValid("model M\n" + line);
        Assert.Equal(new InputSpec(shape.ToEquatableArray()), model.Spec.Input);
        int start = line.IndexOf(' ') + 1;
        Assert.Equal(new LinePositionSpan(new(1, start), new(1, line.Length)), model.Map.Input!.LineSpan);
    }

    [Fact]
    public void Dense_DefaultsAreKeras()
    {
        Assert.Equal(new DenseSpec(50, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros), SingleLayer("dense 50"));
    }

    [Fact]
    public void Dense_ReadsEveryKey()
    {
        Assert.Equal(
            new DenseSpec(8, ActivationKind.Tanh, false, InitializerKind.LecunUniform, InitializerKind.Ones),
            SingleLayer("dense 8 activation=tanh use_bias=false kernel_initializer=lecun_uniform bias_initializer=ones"));
    }

    [Fact]
    public void PositionalValues_MayBeWrittenByName()
    {
        Assert.Equal(SingleLayer("dense 50"), SingleLayer("dense units=50"));
        Assert.Equal(SingleLayer("dropout 0.5"), SingleLayer("dropout rate=0.5"));
        Assert.Equal(SingleLayer("activation relu"), SingleLayer("activation activation=relu"));
        Assert.Equal(SingleLayer("conv2d 4"), SingleLayer("conv2d filters=4"));
        Assert.Equal(SingleLayer("max_pooling2d 3"), SingleLayer("max_pooling2d pool_size=3"));
        Assert.Equal(SingleLayer("lstm 7"), SingleLayer("lstm units=7"));
        Assert.Equal(SingleLayer("dense 50 activation=relu"), SingleLayer("dense activation=relu 50"));
    }

    [Fact]
    public void BatchNormalization_DefaultsAreKerasAndEveryKeyIsRead()
    {
        Assert.Equal(new BatchNormalizationSpec(0.99, 0.001, true, true), SingleLayer("batch_normalization"));
        Assert.Equal(
            new BatchNormalizationSpec(0.9, 1e-5, false, false),
            SingleLayer("batch_normalization momentum=0.9 epsilon=1e-5 center=false scale=false"));
    }

    [Fact]
    public void Activation_AcceptsEveryActivationName()
    {
        foreach ((string name, ActivationKind kind) in Names.Activations.Select(p => (p.Key, p.Value)))
        {
            Assert.Equal(new ActivationSpec(kind), SingleLayer("activation " + name));
            Assert.Equal(new ActivationSpec(kind), SingleLayer("activation " + name.ToUpperInvariant()));
        }
    }

    [Fact]
    public void Initializers_AcceptEveryInitializerName()
    {
        foreach ((string name, InitializerKind kind) in Names.Initializers.Select(p => (p.Key, p.Value)))
        {
            var layer = (DenseSpec)SingleLayer($"dense 3 kernel_initializer={name} bias_initializer={name}");
            Assert.Equal(kind, layer.KernelInitializer);
            Assert.Equal(kind, layer.BiasInitializer);
        }
    }

    [Fact]
    public void Dropout_SeedIsOptional()
    {
        Assert.Equal(new DropoutSpec(0.25, null), SingleLayer("dropout 0.25"));
        Assert.Equal(new DropoutSpec(0.25, 42), SingleLayer("dropout 0.25 seed=42"));
    }

    [Fact]
    public void Conv2D_DefaultsAreKeras()
    {
        Assert.Equal(
            new Conv2DSpec(16, 3, 3, 1, 1, PaddingKind.Valid, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros),
            SingleLayer("conv2d 16"));
    }

    [Fact]
    public void Conv2D_ReadsSquareAndRectangularSizesAndEveryKey()
    {
        Assert.Equal(
            new Conv2DSpec(16, 5, 5, 2, 2, PaddingKind.Same, ActivationKind.Relu, false, InitializerKind.HeNormal, InitializerKind.Ones),
            SingleLayer("conv2d 16 kernel_size=5 strides=2 padding=same activation=relu use_bias=false kernel_initializer=he_normal bias_initializer=ones"));
        Assert.Equal(
            new Conv2DSpec(4, 3, 5, 1, 2, PaddingKind.Valid, ActivationKind.Linear, true, InitializerKind.GlorotUniform, InitializerKind.Zeros),
            SingleLayer("conv2d 4 kernel_size=3x5 strides=1x2 padding=VALID"));
    }

    [Theory]
    [InlineData("max_pooling2d", 2, 2, 2, 2, PaddingKind.Valid)]
    [InlineData("max_pooling2d 3", 3, 3, 3, 3, PaddingKind.Valid)]
    [InlineData("max_pooling2d 2x3", 2, 3, 2, 3, PaddingKind.Valid)]
    [InlineData("max_pooling2d 2 strides=1", 2, 2, 1, 1, PaddingKind.Valid)]
    [InlineData("max_pooling2d pool_size=3 strides=2x1 padding=same", 3, 3, 2, 1, PaddingKind.Same)]
    public void MaxPooling2D_StridesDefaultToThePoolSize(string line, int poolHeight, int poolWidth, int strideHeight, int strideWidth, object padding)
    {
        Assert.Equal(new MaxPooling2DSpec(poolHeight, poolWidth, strideHeight, strideWidth, (PaddingKind)padding), SingleLayer(line));
    }

    [Theory]
    [InlineData("average_pooling2d", 2, 2, 2, 2, PaddingKind.Valid)]
    [InlineData("average_pooling2d 3x2 strides=1 padding=same", 3, 2, 1, 1, PaddingKind.Same)]
    [InlineData("average_pooling2d pool_size=2 strides=2x1", 2, 2, 2, 1, PaddingKind.Valid)]
    public void AveragePooling2D_StridesDefaultToThePoolSize(string line, int poolHeight, int poolWidth, int strideHeight, int strideWidth, object padding)
    {
        Assert.Equal(new AveragePooling2DSpec(poolHeight, poolWidth, strideHeight, strideWidth, (PaddingKind)padding), SingleLayer(line));
    }

    [Theory]
    [InlineData("max_pooling1d", 2, 2, PaddingKind.Valid)]
    [InlineData("max_pooling1d 3", 3, 3, PaddingKind.Valid)]
    [InlineData("max_pooling1d pool_size=4 strides=1 padding=same", 4, 1, PaddingKind.Same)]
    public void Pooling1D_StridesDefaultToThePoolSize(string line, int pool, int stride, object padding)
    {
        Assert.Equal(new MaxPooling1DSpec(pool, stride, (PaddingKind)padding), SingleLayer(line));
        Assert.Equal(new AveragePooling1DSpec(pool, stride, (PaddingKind)padding), SingleLayer(line.Replace("max_", "average_")));
    }

    [Fact]
    public void GlobalPoolings_TakeNothing()
    {
        Assert.Equal(new GlobalAveragePooling1DSpec(), SingleLayer("global_average_pooling1d"));
        Assert.Equal(new GlobalMaxPooling1DSpec(), SingleLayer("global_max_pooling1d"));
        Assert.Equal(new GlobalAveragePooling2DSpec(), SingleLayer("global_average_pooling2d"));
        Assert.Equal(new GlobalMaxPooling2DSpec() { Name = "head" }, SingleLayer("GLOBAL_MAX_POOLING2D name=head"));
    }

    [Fact]
    public void Flatten_TakesNothing()
    {
        Assert.Equal(new FlattenSpec(), SingleLayer("flatten"));
    }

    [Fact]
    public void Lstm_DefaultsAreKerasAndEveryKeyIsRead()
    {
        Assert.Equal(new LstmSpec(32, ActivationKind.Tanh, ActivationKind.Sigmoid, false), SingleLayer("lstm 32"));
        Assert.Equal(
            new LstmSpec(32, ActivationKind.Relu, ActivationKind.Tanh, true),
            SingleLayer("lstm 32 activation=relu recurrent_activation=tanh return_sequences=true"));
    }

    [Fact]
    public void Compile_DefaultsAreKerasPerOptimizer()
    {
        Assert.Equal(
            new CompileSpec(LossKind.MeanSquaredError, OptimizerKind.Sgd, 0.01, 0, false, 0, 0.9, 0.999, 1e-7, true, 32),
            ParseValid("model M\ncompile loss=mean_squared_error").Spec.Compile);
        Assert.Equal(
            new CompileSpec(LossKind.CategoricalCrossentropy, OptimizerKind.Adam, 0.001, 0, false, 0, 0.9, 0.999, 1e-7, true, 32),
            ParseValid("model M\ncompile loss=categorical_crossentropy optimizer=adam").Spec.Compile);
    }

    [Fact]
    public void Compile_ReadsEveryKey()
    {
        Assert.Equal(
            new CompileSpec(LossKind.SparseCategoricalCrossentropy, OptimizerKind.Adam, 3e-4, 0.5, true, 1e-6, 0.8, 0.99, 1e-8, false, 128),
            ParseValid("model M\ncompile loss=sparse_categorical_crossentropy optimizer=adam learning_rate=3e-4 momentum=0.5 nesterov=true decay=1e-6 beta_1=0.8 beta_2=0.99 epsilon=1e-8 metrics=none batch_size=128").Spec.Compile);
    }

    [Fact]
    public void Compile_LossMayBeWrittenAlone()
    {
        Assert.Equal(
            ParseValid("model M\ncompile loss=binary_crossentropy").Spec.Compile,
            ParseValid("model M\ncompile binary_crossentropy").Spec.Compile);
    }

    [Fact]
    public void Compile_IsOptional()
    {
        ModelDefinition model = ParseValid("model M\ninput 2\ndense 1\n");
        Assert.Null(model.Spec.Compile);
        Assert.Null(model.Map.Compile);
    }

    [Fact]
    public void KeywordsKeysAndNames_AreCaseInsensitive()
    {
        ModelDefinition lower = ParseValid(SpecExample);
        ModelDefinition upper = ParseValid("""
            MODEL Samples.Circles.BnAfterRelu
            Input 2
            DENSE 50 Activation=ReLU KERNEL_INITIALIZER=He_Uniform
            Batch_Normalization
            Dense 1 ACTIVATION=SIGMOID
            Compile LOSS=Binary_CrossEntropy Optimizer=SGD Learning_Rate=0.01 MOMENTUM=0.9 Metrics=Accuracy
            """);
        Assert.Equal(lower.Spec, upper.Spec);
        Assert.Equal(lower.Type, upper.Type);
        Assert.Equal("Samples.Circles.BnAfterRelu", upper.Type.FullName); // the class name keeps its case
    }

    [Fact]
    public void CommentsBlankLinesAndWhiteSpace_AreIgnored()
    {
        ModelDefinition model = ParseValid(
            "\uFEFF# header\n\n   \t\n  model   M#no space needed\n#input 3\ninput\t2 # features\n\tdense  4   activation=relu\t# tabs\n#");
        Assert.Equal(new InputSpec(EquatableArray.Create(2)), model.Spec.Input);
        Assert.Equal(new DenseSpec(4, ActivationKind.Relu, true, InitializerKind.GlorotUniform, InitializerKind.Zeros), Assert.Single(model.Spec.Layers));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void LineEndings_AllCountAsLines(string newLine)
    {
        ModelDefinition model = ParseValid(string.Join(newLine, "model M", "input 2", "", "dense 1"));
        Assert.Equal(3, model.Map.Layer(0)!.LineSpan.Start.Line);
    }

    [Theory]
    [InlineData("0.99", 0.99)]
    [InlineData("1e-3", 1e-3)]
    [InlineData("1E-3", 0.001)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("+0.25", 0.25)]
    [InlineData("2", 2.0)]
    [InlineData("1.5e+2", 150.0)]
    [InlineData("0.1", 0.1)]
    [InlineData("1e-300", 1e-300)]
    public void Numbers_RoundTripAsCSharpLiterals(string text, double expected)
    {
        var layer = (BatchNormalizationSpec)SingleLayer("batch_normalization momentum=" + text);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(layer.Momentum));
    }

    [Fact]
    public void Numbers_IgnoreTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
        commaDecimal.NumberFormat.NumberGroupSeparator = ".";
        commaDecimal.NumberFormat.NegativeSign = "\u2212";
        try
        {
            CultureInfo.CurrentCulture = commaDecimal;
            Assert.Equal(new DropoutSpec(0.25, -3), SingleLayer("dropout 0.25 seed=-3"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Numbers_AreNotRangeChecked_TheValidatorChecksThem()
    {
        const string text = "model M\ninput 0\ndense -5\ndropout 1.5\nbatch_normalization momentum=-1 epsilon=0\nconv2d 0 kernel_size=-1\ncompile loss=mean_squared_error momentum=1.5 batch_size=-2";
        ModelDefinition model = ParseValid(text);
        Assert.Equal(EquatableArray.Create(0), model.Spec.Input!.Shape);
        Assert.Equal(-5, ((DenseSpec)model.Spec.Layers[0]).Units);
        Assert.Equal(1.5, ((DropoutSpec)model.Spec.Layers[1]).Rate);
        Assert.Equal(new BatchNormalizationSpec(-1, 0, true, true), model.Spec.Layers[2]);
        Assert.Equal(-1, ((Conv2DSpec)model.Spec.Layers[3]).KernelHeight);
        Assert.Equal(1.5, model.Spec.Compile!.Momentum);
        Assert.Equal(-2, model.Spec.Compile.BatchSize);
        AssertAt(model.Map.CompileKey("momentum"), text, 6, "1.5");
        AssertAt(model.Map.LayerKey(0, "units"), text, 2, "-5");
    }

    [Fact]
    public void LayersWithErrors_KeepTheMapAlignedWithTheSpec()
    {
        // The second dense has no units and is left out; the third keeps its other values with the bad key defaulted.
        ModelDefinition model = Parse("model M\ninput 2\ndense 4\ndense activation=relu\ndense 2 activation=rleu use_bias=false\n");
        Assert.Equal(2, model.Spec.Layers.Count);
        Assert.Equal(2, model.Map.Layers.Count);
        Assert.Equal(new DenseSpec(2, ActivationKind.Linear, false, InitializerKind.GlorotUniform, InitializerKind.Zeros), model.Spec.Layers[1]);
        Assert.Equal(4, model.Map.Layer(1)!.LineSpan.Start.Line);
        Assert.Equal(2, model.Diagnostics.Count);
    }

    [Fact]
    public void Seeds_OfTheFuzzTestAreValid()
    {
        foreach (string seed in ModelFileFuzzTests.Seeds)
        {
            ModelDefinition model = ParseValid(seed);
            Assert.NotNull(model.Spec.Input);
            Assert.NotEmpty(model.Spec.Layers);
            Assert.NotNull(model.Spec.Compile);
        }
    }

    [Fact]
    public void Parse_IsDeterministic()
    {
        Assert.Equal(Parse(SpecExample), Parse(SpecExample));
        Assert.Equal(Parse("dens 5\n@"), Parse("dens 5\n@"));
    }

    [Fact]
    public void Parse_HonoursCancellation()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(
            () => ModelFileParser.Parse(FilePath, SourceText.From(SpecExample), Options, cancellation.Token));
    }

    [Theory]
    [InlineData("/project/Models/Net.model", "Models/Net.model")]
    [InlineData("C:\\project\\Net.model", "Net.model")]
    [InlineData("/elsewhere/Net.model", "Net.model")]
    public void SourceName_IsRelativeToTheProject(string path, string expected)
    {
        Assert.Equal(expected, ModelFileParser.SourceNameOf(path, Options));
        Assert.Equal(expected, Parse("model M", path: path).SourceName);
    }

    /// <summary>Asserts that <paramref name="location"/> is the span of <paramref name="token"/> on line <paramref name="line"/>.</summary>
    private static void AssertAt(LocationInfo? location, string text, int line, string token)
    {
        Assert.NotNull(location);
        Assert.Equal(FilePath, location.FilePath);
        Assert.Equal(token, text.Substring(location.Span.Start, location.Span.Length));
        Assert.Equal(line, location.LineSpan.Start.Line);
        Assert.Equal(SourceText.From(text).Lines.GetLinePositionSpan(location.Span), location.LineSpan);
    }
}
