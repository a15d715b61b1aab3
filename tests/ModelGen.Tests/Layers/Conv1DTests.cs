using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.Attributes;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;
using ModelGen.Keras;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tests.Keras;
using ModelGen.Tests.Onnx;
using Xunit;

namespace ModelGen.Tests.Layers;

/// <summary>
/// Keras's Conv1D (issue 14): a conv2d of height 1 over the timesteps, run by the conv2d kernels (im2col + fused GEMM,
/// BatchNormalization folded at inference). Shapes and parameter counts as Keras's summary, MG0005 with the inferred
/// shapes, both front ends alike, Keras import/export, and the forward pass and one training step against TensorFlow.js
/// Layers 4.22 (tools/keras-reference/conv1d_embedding.mjs). The gradient checks (GradientCheckTests), folding
/// (FoldingTests), M.Gpu (GpuEquivalenceTests) and ONNX (OnnxExportTests) cover the Conv1D test models with every other model.
/// </summary>
public class Conv1DTests
{
    private static ModelPlan Plan(string body)
    {
        ModelDefinition model = ModelFileParser.Parse("/project/M.model", SourceText.From("model Test.M\n" + body), new ProjectOptions("Test", "/project/"), CancellationToken.None);
        Assert.DoesNotContain(ModelValidator.Validate(model, EquatableArray<ModelTypeEntry>.Empty), d => d.IsError);
        return ModelPlanner.Plan(model, referencesIlgpu: false, CancellationToken.None);
    }

    [Fact]
    public void ShapesAndParametersAreKeras()
    {
        // Keras: Input((100, 8)) -> Conv1D(16, 5) -> Conv1D(8, 3, strides=2, padding="same") -> Flatten -> Dense(1):
        // (None, 96, 16) 656, (None, 48, 8) 392, (None, 384) 0, (None, 1) 385.
        ModelPlan plan = Plan("input 100x8\nconv1d 16 kernel_size=5 activation=relu\nconv1d 8 kernel_size=3 strides=2 padding=same use_bias=false\nbatch_normalization\nflatten\ndense 1 activation=sigmoid\n");

        (string Name, string Shape, long Trainable, long NonTrainable)[] expected =
        [
            ("conv1d", "(None, 96, 16)", 656, 0),
            ("conv1d_1", "(None, 48, 8)", 384, 0),
            ("batch_normalization", "(None, 48, 8)", 16, 16),
            ("flatten", "(None, 384)", 0, 0),
            ("dense", "(None, 1)", 385, 0),
        ];
        Assert.Equal(expected, plan.Layers.Select(l => (l.Name, l.Output.ToString(), l.TrainableParameters, l.NonTrainableParameters)).ToArray());
        Assert.Contains(" conv1d (Conv1D)", plan.Summary);
        Assert.Contains(" conv1d_1 (Conv1D)", plan.Summary);

        // Keras's weight layout: kernel [k, in, out] then bias.
        TensorPlan[] tensors = plan.Tensors.Where(t => t.Layer == 0).ToArray();
        Assert.Equal([TensorRole.Kernel, TensorRole.Bias], tensors.Select(t => t.Role).ToArray());
        Assert.Equal([5, 8, 16], tensors[0].Shape.ToArray());
        Assert.Equal([3, 16, 8], plan.Tensors.Single(t => t.Layer == 1).Shape.ToArray());
    }

    [Fact]
    public void ValidPaddingWithStridesDropsTheLastPartialWindow()
    {
        // (11 - 3) / 4 + 1 = 3 windows; same padding: ceil(11 / 4) = 3 as well, 7 with strides 2 ... ceil(11/2) = 6.
        Assert.Equal("(None, 3, 2)", Plan("input 11x1\nconv1d 2 kernel_size=3 strides=4\n").Layers[0].Output.ToString());
        Assert.Equal("(None, 6, 2)", Plan("input 11x1\nconv1d 2 kernel_size=3 strides=2 padding=same\n").Layers[0].Output.ToString());
    }

    [Fact]
    public void BatchNormalizationOverItsChannelsFusesIntoTheConvolution()
    {
        ModelPlan plan = Plan("input 10x3\nconv1d 4 use_bias=false\nbatch_normalization\nactivation relu\nflatten\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n");
        Assert.Equal("conv + BN + relu", plan.Groups[0].Description);
    }

    /// <summary>ONNX: a conv1d is a <c>Conv</c> of height 1 on the NCHW layout ([N, channels, 1, timesteps]), between one
    /// Transpose each way as conv2d's; the pads are TensorFlow's for same (the smaller half first): 9 timesteps, kernel 4,
    /// strides 2 give 5 outputs and 3 steps of padding, 1 before and 2 after.</summary>
    [Fact]
    public void OnnxRunsAConvOfHeightOneWithTensorFlowsPads()
    {
        var model = new ModelGen.TestModels.Conv1DSameStridedNormalized(seed: 1);
        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(model));
        Assert.Equal(
            new[]
            {
                "Reshape conv1d/to_nhwc_image", "Transpose conv1d/to_nchw", "Conv conv1d", "Tanh conv1d/tanh", "Conv conv1d_1", "Relu conv1d_1/relu",
                "BatchNormalization batch_normalization", "Transpose flatten/to_nhwc", "Reshape flatten", "Gemm dense", "Sigmoid dense/sigmoid",
            },
            file.Nodes.Select(n => $"{n.OpType} {n.Name}"));
        OnnxNode conv = file.Nodes.Single(n => n.Name == "conv1d");
        Assert.Equal(new[] { 3L, 2, 1, 4 }, file.Initializer("conv1d/kernel").Dims);
        Assert.Equal(new long[] { 1, 4 }, (long[])conv.Attributes["kernel_shape"]);
        Assert.Equal(new long[] { 1, 2 }, (long[])conv.Attributes["strides"]);
        Assert.Equal(new long[] { 0, 1, 0, 2 }, (long[])conv.Attributes["pads"]);
        float[] keras = model.GetWeights()[0]; // conv1d/kernel, [4, 2, 3]
        Assert.Equal(keras[(3 * 2 + 1) * 3 + 2], file.Initializer("conv1d/kernel").Values[(2 * 2 + 1) * 4 + 3]); // k 3, in 1, out 2
        OnnxTesting.AssertOnnxMatchesPredict(model, "Conv1DSameStridedNormalized");
    }

    [Theory]
    [InlineData("input 8x8x1\nconv1d 4", 3, "conv1d", "(None, 8, 8, 1)")]
    [InlineData("input 10\nconv1d 4", 3, "conv1d", "(None, 10)")]
    [InlineData("input 2x3\nconv1d 4 kernel_size=3", 3, "conv1d", "(None, 2, 3)")]
    [InlineData("input 10x3\nconv1d 4\ndense 2", 4, "dense", "(None, 8, 4)")]
    [InlineData("input 10x3\nflatten\nconv1d 4", 4, "conv1d", "(None, 30)")]
    [InlineData("input 10x3\nconv1d 4\nconv2d 2", 4, "conv2d", "(None, 8, 4)")]
    public void WrongStackingIsMG0005WithTheShapes(string body, int line, string token, string shape)
    {
        string text = "model Test.M\n" + body + "\n";
        Diagnostic diagnostic = DiagnosticAssert.At(GeneratorHarness.RunModelFile(text).ModelGenDiagnostics(), "MG0005", DiagnosticSeverity.Error, "/project/Models/Test.model", text, line, token);
        Assert.Contains(shape, diagnostic.GetMessage());
    }

    [Fact]
    public void ShapeMessagesSayWhatConv1DNeeds()
    {
        string text = "model Test.M\ninput 8x8x1\nconv1d 4\n";
        string image = DiagnosticAssert.At(GeneratorHarness.RunModelFile(text).ModelGenDiagnostics(), "MG0005", DiagnosticSeverity.Error, "/project/Models/Test.model", text, 3, "conv1d").GetMessage();
        Assert.StartsWith("conv1d 'conv1d' needs a sequence input (timesteps x features) but gets (None, 8, 8, 1) (an image): use conv2d on images, or write the input as TxF, e.g. 'input 100x8'", image);
        text = "model Test.M\ninput 2x3\nconv1d 4 kernel_size=3\n";
        string longKernel = DiagnosticAssert.At(GeneratorHarness.RunModelFile(text).ModelGenDiagnostics(), "MG0005", DiagnosticSeverity.Error, "/project/Models/Test.model", text, 3, "conv1d").GetMessage();
        Assert.StartsWith("conv1d 'conv1d' has a kernel of 3 timesteps, longer than its 2 timesteps (None, 2, 3): use a smaller kernel_size or padding=same", longKernel);
    }

    [Fact]
    public void ArgumentsOutOfRangeAreMG0003AtTheKey()
    {
        string text = "model Test.M\ninput 10x3\nconv1d 4 kernel_size=0\n";
        Diagnostic diagnostic = DiagnosticAssert.At(GeneratorHarness.RunModelFile(text).ModelGenDiagnostics(), "MG0003", DiagnosticSeverity.Error, "/project/Models/Test.model", text, 3, "0");
        Assert.Contains("of conv1d 'conv1d' is 0 but must be at least 1", diagnostic.GetMessage());
    }

    [Fact]
    public void AttributeFormDescribesTheSameModel()
    {
        const string text = "model Test.M\ninput 20x3\nconv1d 6 kernel_size=4 strides=2 padding=same activation=relu use_bias=false name=c\nflatten\ndense 1 activation=sigmoid\n";
        ModelDefinition fromFile = ModelFileParser.Parse("/project/M.model", SourceText.From(text), new ProjectOptions("Test", "/project/"), CancellationToken.None);
        const string source = """
            using ModelGen;
            namespace Test;

            [Model]
            [Input(20, 3)]
            [Conv1D(6, KernelSize = 4, Strides = 2, Padding = Padding.Same, Activation = Activation.Relu, UseBias = false, Name = "c")]
            [Flatten]
            [Dense(1, Activation = Activation.Sigmoid)]
            public partial class M;
            """;
        var compilation = GeneratorHarness.CreateCompilation([(GeneratorHarness.ProjectDirectory + "Models.cs", source)]);
        ModelDefinition fromAttributes = AttributeReader.Read(compilation.GetTypeByMetadataName("Test.M")!, CancellationToken.None);
        Assert.DoesNotContain(fromAttributes.Diagnostics, d => d.IsError);
        Assert.Equal(fromFile.Spec, fromAttributes.Spec);
        Assert.Equal(LayerKind.Conv1D, fromFile.Spec.Layers[0].Kind);

        // An attribute on an image is MG0005 at the attribute.
        string wrong = "using ModelGen;\nnamespace Test;\n\n[Model]\n[Input(8, 8, 1)]\n[Conv1D(4)]\npublic partial class M;\n";
        Diagnostic diagnostic = DiagnosticAssert.At(GeneratorHarness.RunSource(wrong).ModelGenDiagnostics(), "MG0005", DiagnosticSeverity.Error, "/project/Models.cs", wrong, 6, "Conv1D(4)");
        Assert.Contains("needs a sequence input", diagnostic.GetMessage());
    }

    [Fact]
    public void KerasConfigsOfEveryDialectTranslate()
    {
        const string keras3 = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 50, 4], "dtype": "float32", "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "filters": 8, "kernel_size": [5], "strides": [2], "padding": "same",
                "data_format": "channels_last", "dilation_rate": [1], "groups": 1, "activation": "relu", "use_bias": false}},
              {"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": -1}},
              {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten"}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 1, "activation": "sigmoid"}}
            ]}}
            """;
        KerasTranslation translation = KerasConfig.ToModelFile(keras3, "Imported.Seq");
        Assert.Contains("input 50x4\nconv1d 8 kernel_size=5 strides=2 padding=same activation=relu use_bias=false name=conv1d\nbatch_normalization name=batch_normalization\n", translation.ModelFile);

        // Keras 1: Convolution1D with nb_filter, filter_length, subsample_length, border_mode.
        const string keras1 = """
            {"class_name": "Sequential", "config": [
              {"class_name": "Convolution1D", "config": {"name": "convolution1d_1", "batch_input_shape": [null, 12, 2], "nb_filter": 3, "filter_length": 4,
                "subsample_length": 1, "border_mode": "valid", "activation": "tanh", "bias": true}},
              {"class_name": "Flatten", "config": {"name": "flatten_1"}}
            ]}
            """;
        Assert.Contains("input 12x2\nconv1d 3 kernel_size=4 activation=tanh name=convolution1d_1\n", KerasConfig.ToModelFile(keras1, "Imported.Old").ModelFile);

        const string dilated = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 12, 2], "name": "in"}},
              {"class_name": "Conv1D", "config": {"name": "c", "filters": 2, "kernel_size": [3], "dilation_rate": [2]}}
            ]}}
            """;
        var exception = Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(dilated, "Bad"));
        Assert.Contains("layer 'c' (Conv1D): dilation_rate 2: ModelGen's conv1d is not dilated", exception.Message);
    }

    // ---- TensorFlow.js Layers references (Fixtures/Layers/<case>, tools/keras-reference/conv1d_embedding.mjs).

    public static TheoryData<string> Cases() => new(LayerFixtures.Cases("conv1d"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportedModelPredictsAsTensorFlowJs(string name)
    {
        KerasExpected expected = LayerFixtures.Expected(name);
        IModel model = LayerFixtures.Create(name);
        Assert.Equal(expected.Weights!.Length, model.GetWeights().Length);
        for (int i = 0; i < expected.Weights.Length; i++)
        {
            Assert.Equal(expected.Weights[i], model.GetWeights()[i]);
        }

        KerasFixtures.AssertClose(expected.Y, KerasFixtures.Predict(model, expected.X, expected.Batch), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneTrainOnBatchIsKeras(string name)
    {
        KerasExpected expected = LayerFixtures.Expected(name);
        var model = (ITrainableModel)LayerFixtures.Create(name);
        float loss = model.TrainOnBatch(expected.TrainX, expected.TrainY);
        KerasFixtures.AssertClose([expected.TrainLoss], [loss], $"{name} loss");
        float[][] after = model.GetWeights();
        for (int i = 0; i < after.Length; i++)
        {
            KerasFixtures.AssertClose(expected.WeightsAfter![i], after[i], $"{name} weight {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KerasExportThenImportGivesTheSameModelAndBitIdenticalWeights(string name)
    {
        string imported = Path.Combine(LayerFixtures.Imported.Folder, LayerFixtures.Pascal(name));
        string folder = Directory.CreateTempSubdirectory("modelgen-conv1d-export-").FullName;
        try
        {
            string keras = Path.Combine(folder, name + ".keras");
            (int code, _, string error) = KerasFixtures.RunTool("export", imported + ".model", "--weights", imported + ".weights", "--output", keras);
            Assert.True(code == 0, error);
            string again = Path.Combine(folder, "again");
            (code, _, error) = KerasFixtures.RunTool("import", keras, "--output", again, "--class", "KerasLayers." + LayerFixtures.Pascal(name));
            Assert.True(code == 0, error);
            static string Lines(string path) => string.Join("\n", File.ReadAllLines(path).Where(l => !l.StartsWith('#')));
            Assert.Equal(Lines(imported + ".model"), Lines(Path.Combine(again, LayerFixtures.Pascal(name) + ".model")));
            Assert.Contains("conv1d ", File.ReadAllText(imported + ".model"));
            Assert.Equal(File.ReadAllBytes(imported + ".weights"), File.ReadAllBytes(Path.Combine(again, LayerFixtures.Pascal(name) + ".weights")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>The fixtures of Fixtures/Layers imported with <c>modelgen import</c> and compiled together in memory once,
/// as <c>KerasLayers.&lt;Case&gt;</c> with the imported weights loaded.</summary>
public static class LayerFixtures
{
    public static string Directory => Path.Combine(KerasFixtures.Directory, "Layers");

    public static IEnumerable<string> Cases(string prefix) => System.IO.Directory.GetDirectories(Directory).Select(Path.GetFileName)
        .Where(n => n!.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)!;

    public static string Pascal(string name) => KerasFixtures.Pascal(name);

    public static KerasExpected Expected(string name) => KerasExpected.Load(Path.Combine(Directory, name, "expected.json"));

    private static readonly Lazy<KerasFixtures.Imported> s_imported = new(Import);

    public static KerasFixtures.Imported Imported => s_imported.Value;

    public static IModel Create(string name)
    {
        string type = "KerasLayers." + Pascal(name);
        IModel model = Imported.Create(type);
        model.LoadWeights(Imported.WeightsOf(type));
        return model;
    }

    private static KerasFixtures.Imported Import()
    {
        string folder = System.IO.Directory.CreateTempSubdirectory("modelgen-layer-fixtures-").FullName;
        var modelFiles = new List<(string Path, string Text)>();
        foreach (string name in System.IO.Directory.GetDirectories(Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!)
        {
            (int code, string output, string error) = KerasFixtures.RunTool("import", Path.Combine(Directory, name, "model.json"), "--output", folder, "--class", "KerasLayers." + Pascal(name));
            Assert.True(code == 0, $"import {name}: {error}{output}");
            string path = Path.Combine(folder, Pascal(name) + ".model");
            modelFiles.Add((path, File.ReadAllText(path)));
        }

        Assembly assembly = OnnxTesting.Compile(modelFiles, []);
        return (KerasFixtures.Imported)Activator.CreateInstance(typeof(KerasFixtures.Imported), BindingFlags.NonPublic | BindingFlags.Instance, null, [assembly, folder], null)!;
    }
}
