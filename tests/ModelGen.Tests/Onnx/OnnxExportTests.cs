using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using ModelGen.CompilerServices;
using ModelGen.TestModels;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Onnx;

/// <summary>
/// <c>ExportOnnx</c>: every generated model with CPU kernels (the samples and the test models) exports a graph that
/// ONNX Runtime runs with <c>Predict</c>'s outputs, fresh and after training; the graph's nodes, initializers and
/// header are what the contract says; exporting is deterministic and leaves the model alone.
/// </summary>
public class OnnxExportTests
{
    private static readonly Assembly[] s_referencedModels = { typeof(Samples.Circles.NoBn).Assembly, typeof(Samples.Digits.PlainReluCnn).Assembly, typeof(GoldenCircles).Assembly };

    /// <summary>Models whose ExportOnnx throws NotSupportedException by design (an lstm activation ONNX's LSTM lacks);
    /// <see cref="ModelsWithoutAnOnnxCounterpartSayWhy"/> checks that they do.</summary>
    private static readonly string[] s_withoutOnnxCounterpart = { "ModelGen.TestModels.LstmGeluRegression", "ModelGen.TestModels.GruGeluRegression" };

    private static IEnumerable<Type> Exportable() =>
        s_referencedModels.SelectMany(OnnxTesting.ModelTypes).Where(t => !s_withoutOnnxCounterpart.Contains(t.FullName));

    public static IEnumerable<object[]> Models() => Exportable().Select(t => new object[] { t.FullName! });

    public static IEnumerable<object[]> TrainableModels() =>
        Exportable().Where(t => typeof(ITrainableModel).IsAssignableFrom(t)).Select(t => new object[] { t.FullName! });

    [Fact]
    public void ModelsWithoutAnOnnxCounterpartSayWhy()
    {
        foreach (string name in s_withoutOnnxCounterpart)
        {
            IModel model = OnnxTesting.Create(ModelType(name), seed: 5);
            var exception = Assert.Throws<NotSupportedException>(() => model.ExportOnnx(new System.IO.MemoryStream()));
            Assert.Contains(name.Contains("Gru", StringComparison.Ordinal) ? "uses gelu, which ONNX's GRU operator has no activation for" : "uses gelu, which ONNX's LSTM operator has no activation for", exception.Message);
        }
    }

    private static Type ModelType(string fullName) =>
        s_referencedModels.Select(a => a.GetType(fullName)).Single(t => t is not null)!;

    [Fact]
    public void EveryModelWithCpuKernelsIsCovered()
    {
        string[] names = Models().Select(m => (string)m[0]).ToArray();
        Assert.Contains("Samples.Circles.BnAfterRelu", names);
        Assert.Contains("Samples.Circles.AttributeForm.BnBeforeRelu", names);
        Assert.Contains("ModelGen.TestModels.InferenceOnly", names);
        Assert.Equal(6, names.Count(n => n.StartsWith("Samples.Circles.", StringComparison.Ordinal)));
        Assert.Contains("ModelGen.TestModels.HiddenGelu", names);
        Assert.Contains("ModelGen.TestModels.LstmStackedNormalized", names);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void FreshModelRunsInOnnxRuntimeLikePredict(string type)
    {
        IModel model = OnnxTesting.Create(ModelType(type), seed: 5);
        OnnxTesting.AssertOnnxMatchesPredict(model, type);
    }

    [Theory]
    [MemberData(nameof(TrainableModels))]
    public void TrainedModelRunsInOnnxRuntimeLikePredict(string type)
    {
        var model = (ITrainableModel)OnnxTesting.Create(ModelType(type), seed: 5);
        float[][] initial = model.GetWeights();
        OnnxTesting.Train(model);
        Assert.NotEqual(initial[0], model.GetWeights()[0]);
        OnnxTesting.AssertOnnxMatchesPredict(model, type + " after Fit", seed: 2);
    }

    /// <summary>Both placements of the circles tutorial, trained on its data: gamma, beta and the moving statistics have
    /// left their initial values, the file holds them, and ONNX Runtime's BatchNormalization uses them as Predict does.</summary>
    [Theory]
    [InlineData("Samples.Circles.BnAfterRelu")]
    [InlineData("Samples.Circles.BnBeforeRelu")]
    [InlineData("Samples.Circles.AttributeForm.BnAfterRelu")]
    [InlineData("Samples.Circles.AttributeForm.BnBeforeRelu")]
    public void TrainedBatchNormalizationExportsItsMovingStatistics(string type)
    {
        var model = (ITrainableModel)OnnxTesting.Create(ModelType(type), seed: 3);
        (float[] x, float[] y) = CirclesData.Load(0, 300);
        model.Fit(x, y, new FitOptions { Epochs = 5, BatchSize = 32, Seed = 1, Verbose = 0 });

        // get_weights order: dense kernel, bias, then gamma, beta, moving_mean, moving_variance.
        float[][] weights = model.GetWeights();
        Assert.Contains(weights[2], g => Math.Abs(g - 1) > 1e-3);
        Assert.Contains(weights[3], b => Math.Abs(b) > 1e-3);
        Assert.Contains(weights[4], m => Math.Abs(m) > 1e-2);
        Assert.Contains(weights[5], v => Math.Abs(v - 1) > 1e-2);

        byte[] onnx = OnnxTesting.Export(model);
        OnnxFile file = OnnxFile.Parse(onnx);
        Assert.Equal(weights[2], file.Initializer("batch_normalization/gamma").Values);
        Assert.Equal(weights[3], file.Initializer("batch_normalization/beta").Values);
        Assert.Equal(weights[4], file.Initializer("batch_normalization/moving_mean").Values);
        Assert.Equal(weights[5], file.Initializer("batch_normalization/moving_variance").Values);
        Assert.Equal(1e-3f, (float)file.Nodes.Single(n => n.OpType == "BatchNormalization").Attributes["epsilon"]);

        OnnxTesting.AssertOnnxMatchesPredict(model, type + " trained on circles");
        float[] circles = x.AsSpan(0, 2 * 64).ToArray();
        var expected = new float[64];
        model.Predict(circles, expected);
        OnnxTesting.AssertClose(expected, OnnxTesting.Run(onnx, circles, 2, 1), type + " on circles data");
    }

    [Fact]
    public void GraphHasOneNodePerOperationInLayerOrderNamedAsInKeras()
    {
        static IEnumerable<string> Nodes(IModel model) => OnnxFile.Parse(OnnxTesting.Export(model)).Nodes.Select(n => $"{n.OpType} {n.Name}");

        Assert.Equal(
            new[] { "Gemm dense", "Relu dense/relu", "BatchNormalization batch_normalization", "Gemm dense_1", "Sigmoid dense_1/sigmoid" },
            Nodes(new Samples.Circles.BnAfterRelu()));
        Assert.Equal(
            new[] { "Gemm dense", "BatchNormalization batch_normalization", "Relu activation", "Gemm dense_1", "Sigmoid dense_1/sigmoid" },
            Nodes(new Samples.Circles.BnBeforeRelu()));
        Assert.Equal(new[] { "Gemm dense", "Relu dense/relu", "Gemm dense_1", "Sigmoid dense_1/sigmoid" }, Nodes(new Samples.Circles.NoBn()));

        // Dropout is an identity at inference and adds no node.
        Assert.Equal(
            new[] { "BatchNormalization batch_normalization", "Gemm dense", "Relu dense/relu", "Gemm dense_1", "Softmax dense_1/softmax" },
            Nodes(new InputNormalizedDropout()));
        Assert.Equal(new[] { "Gemm dense", "Relu dense/relu", "Gemm dense_1", "Sigmoid dense_1/sigmoid" }, Nodes(new AdamMlp()));

        // GELU from Erf (opset 13 has no Gelu), swish as x · sigmoid(x).
        Assert.Equal(
            new[] { "Gemm dense", "Div dense/gelu/div", "Erf dense/gelu/erf", "Add dense/gelu/add", "Mul dense/gelu/mul", "Mul dense/gelu", "Gemm dense_1", "Softmax dense_1/softmax" },
            Nodes(new HiddenGelu()));
        Assert.Equal(
            new[] { "Gemm dense", "Sigmoid dense/swish/sigmoid", "Mul dense/swish", "Gemm dense_1", "Softmax dense_1/softmax" },
            Nodes(new HiddenSwish()));
        Assert.Equal(new[] { "Gemm dense", "Gemm dense_1", "Softmax dense_1/softmax" }, Nodes(new HiddenLinear()));

        OnnxFile leaky = OnnxFile.Parse(OnnxTesting.Export(new HiddenLeakyRelu()));
        Assert.Equal(0.2f, (float)leaky.Nodes.Single(n => n.OpType == "LeakyRelu").Attributes["alpha"]);
        OnnxFile elu = OnnxFile.Parse(OnnxTesting.Export(new HiddenElu()));
        Assert.Equal(1f, (float)elu.Nodes.Single(n => n.OpType == "Elu").Attributes["alpha"]);
        Assert.Equal(-1L, (long)elu.Nodes.Single(n => n.OpType == "Softmax").Attributes["axis"]);
    }

    [Fact]
    public void NodesChainFromXToY()
    {
        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(new Samples.Circles.BnBeforeRelu()));
        Assert.Equal(new[] { "x", "dense/kernel", "dense/bias" }, file.Nodes[0].Inputs);
        Assert.Equal(new[] { "dense", "batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean", "batch_normalization/moving_variance" }, file.Nodes[1].Inputs);
        for (int i = 1; i < file.Nodes.Count; i++)
        {
            Assert.Equal(file.Nodes[i - 1].Outputs.Single(), file.Nodes[i].Inputs[0]);
        }

        Assert.Equal("y", file.Nodes[^1].Outputs.Single());
    }

    [Fact]
    public void HeaderInputOutputAndInitializersAreTheModels()
    {
        var model = new Samples.Circles.BnAfterRelu(seed: 9);
        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(model));

        Assert.Equal(OnnxGraphBuilder.IrVersion, file.IrVersion);
        Assert.Equal(7, file.IrVersion);
        Assert.Equal(new[] { (string.Empty, 13L) }, file.Opsets);
        Assert.Equal(OnnxGraphBuilder.OpsetVersion, (int)file.Opsets[0].Version);
        Assert.Equal("ModelGen", file.ProducerName);
        Assert.Equal(typeof(OnnxGraphBuilder).Assembly.GetName().Version!.ToString(3), file.ProducerVersion);
        Assert.Equal("Samples.Circles.BnAfterRelu", file.GraphName);
        // float32 (TensorProto.FLOAT = 1) [batch, InputSize] and [batch, OutputSize].
        Assert.Equal(("x", 1, "batch,2"), (file.Input.Name, file.Input.ElementType, string.Join(",", file.Input.Shape)));
        Assert.Equal(("y", 1, "batch,1"), (file.Output.Name, file.Output.ElementType, string.Join(",", file.Output.Shape)));

        // Every weight, in get_weights order, under its Keras name, float32, with Keras's layout.
        Assert.Equal(
            new[] { "dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean", "batch_normalization/moving_variance", "dense_1/kernel", "dense_1/bias" },
            file.Initializers.Select(t => t.Name));
        Assert.Equal(new[] { 2L, 50 }, file.Initializer("dense/kernel").Dims);
        Assert.Equal(new[] { 50L, 1 }, file.Initializer("dense_1/kernel").Dims);
        Assert.Equal(new[] { 50L }, file.Initializer("batch_normalization/moving_variance").Dims);
        Assert.All(file.Initializers, t => Assert.Equal(1, t.DataType));
        float[][] weights = model.GetWeights();
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i], file.Initializers[i].Values);
        }
    }

    [Fact]
    public void BatchNormalizationWithoutScaleOrCenterGetsOnesAndZeros()
    {
        var model = new BatchNormCenterFalseScaleFalse(seed: 1);
        OnnxTesting.Train(model);
        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(model));
        OnnxNode bn = file.Nodes.Single(n => n.OpType == "BatchNormalization");
        Assert.Equal(new[] { "dense", "batch_normalization/ones", "batch_normalization/zeros", "batch_normalization/moving_mean", "batch_normalization/moving_variance" }, bn.Inputs);
        Assert.All(file.Initializer("batch_normalization/ones").Values, v => Assert.Equal(1f, v));
        Assert.All(file.Initializer("batch_normalization/zeros").Values, v => Assert.Equal(0f, v));
        Assert.Equal(new[] { "x", "dense/kernel" }, file.Nodes[0].Inputs); // use_bias=false: Gemm without C
        OnnxTesting.AssertOnnxMatchesPredict(model, nameof(BatchNormCenterFalseScaleFalse));
    }

    [Fact]
    public void ExportingTwiceGivesIdenticalBytesAndLeavesTheModelUnchanged()
    {
        var model = new Samples.Circles.BnBeforeRelu(seed: 4);
        OnnxTesting.Train(model, epochs: 2);
        float[][] weights = model.GetWeights();
        float[] x = OnnxTesting.Inputs(9, 2, seed: 8);
        var before = new float[9];
        model.Predict(x, before);

        byte[] first = OnnxTesting.Export(model);
        byte[] second = OnnxTesting.Export(model);
        string directory = Directory.CreateTempSubdirectory("modelgen-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            model.ExportOnnx(path);
            byte[] fromFile = File.ReadAllBytes(path);
            model.ExportOnnx(path);
            Assert.Equal(first, second);
            Assert.Equal(first, fromFile);
            Assert.Equal(first, File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        // The same weights in another instance give the same file: nothing but the weights is written.
        var copy = new Samples.Circles.BnBeforeRelu(seed: 99);
        copy.SetWeights(weights);
        Assert.Equal(first, OnnxTesting.Export(copy));

        float[][] after = model.GetWeights();
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i], after[i]);
        }

        var again = new float[9];
        model.Predict(x, again);
        Assert.Equal(before, again);
    }

    [Fact]
    public void ExportToPathReplacesTheFileOnlyOnceComplete()
    {
        string directory = Directory.CreateTempSubdirectory("modelgen-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            File.WriteAllText(path, "old content, longer than nothing");
            IModel model = new Samples.Circles.NoBn();
            model.ExportOnnx(path);
            Assert.Equal(OnnxTesting.Export(model), File.ReadAllBytes(path));
            Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName));

            // A writer that fails half-way leaves the previous file and no temporary one.
            Assert.Throws<InvalidOperationException>(() => OnnxGraphBuilder.WriteFile(path, stream =>
            {
                stream.WriteByte(1);
                throw new InvalidOperationException("disk full");
            }));
            Assert.Equal(OnnxTesting.Export(model), File.ReadAllBytes(path));
            Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Conv2D and MaxPooling2D run on ONNX's NCHW layout: one Reshape + Transpose into it before the first image
    /// layer, BatchNormalization and activations on the channels axis in between, one Transpose + Reshape back at
    /// flatten (channels-last order, as the Dense's kernel expects) or at the output. The Conv kernel is Keras's
    /// [kh, kw, in, out] transposed to [out, in, kh, kw]; pads are TensorFlow's for same (the smaller half first).</summary>
    [Fact]
    public void ConvolutionalGraphsWorkInNchwBetweenOneTransposeEachWay()
    {
        static IEnumerable<string> Nodes(OnnxFile file) => file.Nodes.Select(n => $"{n.OpType} {n.Name}");

        var model = new ConvIntoConvNormalized(seed: 1);
        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(model));
        Assert.Equal(
            new[]
            {
                "Reshape conv2d/to_nhwc_image", "Transpose conv2d/to_nchw", "Conv conv2d", "Relu conv2d/relu", "BatchNormalization batch_normalization",
                "Conv conv2d_1", "BatchNormalization batch_normalization_1", "Sigmoid activation",
                "Transpose flatten/to_nhwc", "Reshape flatten", "Gemm dense", "Softmax dense/softmax",
            },
            Nodes(file));
        OnnxNode conv = file.Nodes.Single(n => n.Name == "conv2d_1");
        Assert.Equal(new[] { 4L, 3, 3, 1 }, file.Initializer("conv2d_1/kernel").Dims);
        float[] keras = model.GetWeights()[6]; // conv2d_1/kernel, [3, 1, 3, 4]
        float[] onnx = file.Initializer("conv2d_1/kernel").Values;
        Assert.Equal(keras[((2 * 1 + 0) * 3 + 1) * 4 + 3], onnx[((3 * 3 + 1) * 3 + 2) * 1 + 0]); // ky 2, kx 0, in 1, out 3
        Assert.Equal(new long[] { 3, 1 }, (long[])conv.Attributes["kernel_shape"]);
        Assert.Equal(new long[] { 2, 2 }, (long[])conv.Attributes["strides"]);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, (long[])conv.Attributes["pads"]);
        // ConvSameStridedNormalized: 7x7 input, 3x3 kernel, strides 2, same: 4x4 output, total pad 2 per axis (1 + 1);
        // its max pooling, 3x3 strides 2 same on 4x4: 2x2 output, total pad 1 (0 before, 1 after).
        OnnxFile strided = OnnxFile.Parse(OnnxTesting.Export(new ConvSameStridedNormalized(seed: 1)));
        Assert.Equal(new long[] { 1, 1, 1, 1 }, (long[])strided.Nodes.Single(n => n.OpType == "Conv").Attributes["pads"]);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, (long[])strided.Nodes.Single(n => n.OpType == "MaxPool").Attributes["pads"]);

        Assert.Equal(
            new[] { "Reshape conv2d/to_nhwc_image", "Transpose conv2d/to_nchw", "Conv conv2d", "Transpose output/to_nhwc", "Reshape output" },
            Nodes(OnnxFile.Parse(OnnxTesting.Export(new ConvRegression(seed: 1)))));
    }

    /// <summary>The pooling layers on the same NCHW layout: AveragePool with TensorFlow's pads and
    /// <c>count_include_pad = 0</c> (a border window averages its inside positions), a sequence pooled as a
    /// <c>T x 1</c> image (kernel <c>[k, 1]</c>), and the global pools as GlobalAveragePool/GlobalMaxPool, then a Reshape
    /// to <c>[N, channels]</c> that leaves the NCHW layout (no Transpose back).</summary>
    [Fact]
    public void PoolingLayersAreOnnxPoolsOnTheNchwLayout()
    {
        static IEnumerable<string> Nodes(OnnxFile file) => file.Nodes.Select(n => $"{n.OpType} {n.Name}");

        OnnxFile sequence = OnnxFile.Parse(OnnxTesting.Export(new PoolingInference(seed: 1)));
        Assert.Equal(
            new[]
            {
                "Reshape max_pooling1d/to_nhwc_image", "Transpose max_pooling1d/to_nchw", "MaxPool max_pooling1d", "AveragePool average_pooling1d",
                "GlobalAveragePool global_average_pooling1d", "Reshape global_average_pooling1d/flatten", "BatchNormalization batch_normalization",
                "Gemm dense", "Softmax dense/softmax",
            },
            Nodes(sequence));
        Assert.Equal(new long[] { -1, 8, 1, 3 }, sequence.Initializer("max_pooling1d/image_shape").Int64s);
        OnnxNode max = sequence.Nodes.Single(n => n.Name == "max_pooling1d");
        Assert.Equal(new long[] { 3, 1 }, (long[])max.Attributes["kernel_shape"]);
        Assert.Equal(new long[] { 2, 1 }, (long[])max.Attributes["strides"]);
        Assert.Equal(new long[] { 0, 0, 1, 0 }, (long[])max.Attributes["pads"]); // 8 timesteps, 4 windows: 1 after
        OnnxNode average = sequence.Nodes.Single(n => n.Name == "average_pooling1d");
        Assert.Equal(new long[] { 1, 0, 1, 0 }, (long[])average.Attributes["pads"]);
        Assert.Equal(0L, (long)average.Attributes["count_include_pad"]);
        Assert.Equal(new long[] { -1, 3 }, sequence.Initializer("global_average_pooling1d/flat_shape").Int64s);

        OnnxFile image = OnnxFile.Parse(OnnxTesting.Export(new ImagePoolingInference(seed: 1)));
        Assert.Equal(
            new[]
            {
                "Reshape average_pooling2d/to_nhwc_image", "Transpose average_pooling2d/to_nchw", "AveragePool average_pooling2d", "Conv conv2d",
                "BatchNormalization batch_normalization", "MaxPool max_pooling2d", "GlobalMaxPool global_max_pooling2d",
                "Reshape global_max_pooling2d/flatten", "Relu activation", "Gemm dense", "Softmax dense/softmax",
            },
            Nodes(image));
        // 7x6 input, 3x3 windows, strides 2, same: 4x3 output, total pads 2 rows (1 + 1) and 1 column (0 + 1).
        Assert.Equal(new long[] { 1, 0, 1, 1 }, (long[])image.Nodes.Single(n => n.OpType == "AveragePool").Attributes["pads"]);
    }

    /// <summary>samples/ModelZoo is not referenced by this project: compiled here, its models with CPU kernels
    /// (TanhDropoutMlp in both forms: three BatchNormalizations, dropout, softmax; DigitsCnn in both forms: conv2d,
    /// BatchNormalization over channels, max pooling, flatten) export and match too.</summary>
    [Fact]
    public void ModelZooModelsRunInOnnxRuntimeLikePredict()
    {
        (List<(string Path, string Text)> models, List<(string Path, string Text)> sources) =
            Repository.LoadSample(Path.Combine(Repository.SamplesDirectory, "ModelZoo"));
        Type[] types = OnnxTesting.ModelTypes(OnnxTesting.Compile(models, sources)).ToArray();
        Assert.Equal(
            new[]
            {
                "Samples.ModelZoo.AttributeForm.DigitsCnn", "Samples.ModelZoo.AttributeForm.SequenceClassifier", "Samples.ModelZoo.AttributeForm.TanhDropoutMlp",
                "Samples.ModelZoo.DigitsCnn", "Samples.ModelZoo.SequenceClassifier", "Samples.ModelZoo.TanhDropoutMlp",
            },
            types.Select(t => t.FullName));
        foreach (Type type in types)
        {
            var model = (ITrainableModel)OnnxTesting.Create(type, seed: 2);
            OnnxTesting.AssertOnnxMatchesPredict(model, type.FullName!);
            OnnxTesting.Train(model, epochs: 3);
            OnnxTesting.AssertOnnxMatchesPredict(model, type.FullName + " after Fit");
        }
    }

    /// <summary>Layer combinations the test models lack: flatten, activation layers of every kind, a dropout last,
    /// a BatchNormalization with scale only and its own epsilon, and a model that is all identities.</summary>
    [Fact]
    public void LayersWithoutWeightsAndIdentityLayersExport()
    {
        List<(string, string)> models =
        [
            ("/project/Models/FlattenAndDropoutLast.model", "model Extra.FlattenAndDropoutLast\ninput 4\nflatten\ndense 3 activation=elu\ndropout 0.3\n"),
            ("/project/Models/ActivationLayers.model",
                "model Extra.ActivationLayers\ninput 3\nactivation swish\ndense 6 use_bias=false\nactivation linear\nactivation gelu\n"
                + "batch_normalization center=false epsilon=0.01\nactivation leaky_relu\ndense 5\nactivation elu\ndense 4\nactivation softmax\n"
                + "compile loss=categorical_crossentropy optimizer=adam\n"),
            ("/project/Models/AllIdentities.model", "model Extra.AllIdentities\ninput 5\ndropout 0.5\nflatten\n"),
        ];
        Type[] types = OnnxTesting.ModelTypes(OnnxTesting.Compile(models, [])).ToArray();
        Assert.Equal(3, types.Length);
        foreach (Type type in types)
        {
            IModel model = OnnxTesting.Create(type, seed: 6);
            OnnxTesting.AssertOnnxMatchesPredict(model, type.FullName!);
            if (model is ITrainableModel trainable)
            {
                OnnxTesting.Train(trainable);
                OnnxTesting.AssertOnnxMatchesPredict(model, type.FullName + " after Fit");
            }
        }

        OnnxFile identities = OnnxFile.Parse(OnnxTesting.Export(OnnxTesting.Create(types.Single(t => t.Name == "AllIdentities"), 0)));
        Assert.Equal("Identity", identities.Nodes.Single().OpType);
        Assert.Empty(identities.Initializers);
        OnnxFile dropoutLast = OnnxFile.Parse(OnnxTesting.Export(OnnxTesting.Create(types.Single(t => t.Name == "FlattenAndDropoutLast"), 0)));
        Assert.Equal(new[] { "Gemm", "Elu" }, dropoutLast.Nodes.Select(n => n.OpType));
        Assert.Equal("y", dropoutLast.Nodes[^1].Outputs.Single());
    }

    [Fact]
    public void BuilderChecksShapesAndNames()
    {
        var graph = new OnnxGraphBuilder("Test", inputSize: 3);
        Assert.Throws<ArgumentException>(() => graph.Dense("dense", new float[8], default, inputs: 4, units: 2));
        Assert.Throws<ArgumentException>(() => graph.Dense("dense", new float[5], default, inputs: 3, units: 2));
        Assert.Throws<ArgumentException>(() => graph.Dense("dense", new float[6], new float[3], inputs: 3, units: 2));
        graph.Dense("dense", new float[6], new float[2], inputs: 3, units: 2, Activation.Relu);
        Assert.Equal(2, graph.Width);
        Assert.Throws<ArgumentException>(() => graph.Activation("dense", Activation.Tanh));
        Assert.Throws<ArgumentException>(() => graph.BatchNormalization("batch_normalization", default, default, new float[3], new float[2], 1e-3f));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.BatchNormalization("batch_normalization", default, default, new float[2], new float[2], 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.Activation("activation", (Activation)99));
        Assert.Throws<ArgumentException>(() => new OnnxGraphBuilder("", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxGraphBuilder("Test", 0));
    }
}
