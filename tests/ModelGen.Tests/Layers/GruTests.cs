using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using ModelGen.Keras;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tests.Keras;
using ModelGen.Tests.Onnx;
using ModelGen.Tests.Training;
using ModelGen.TestModels;
using Xunit;

namespace ModelGen.Tests.Layers;

/// <summary>
/// Keras's GRU (issue 14): both front ends, Keras's shapes and parameter counts, diagnostics, the CPU kernels checked by
/// finite differences, TensorFlow.js Layers 4.22 (reset_after=false, forward and one training step) and ONNX Runtime's
/// GRU (linear_before_reset=1 for reset_after=true, on a graph written here independently of ExportOnnx).
/// </summary>
public class GruTests
{
    private const string ModelPath = "/project/Models/Test.model";

    // ---------------------------------------------------------------- shapes, parameters, weights

    [Fact]
    public void ParameterCountsAreKeras()
    {
        // reset_after (default): 3 · (in · u + u · u + 2u); dense 4 · 3 + 3.
        Assert.Equal(3 * (3 * 4 + 4 * 4 + 2 * 4) + 15, GruSequenceClassifier.TrainableParameterCount);
        // BN 2 + 2 (and 4 moving), gru 3 · (2·3 + 3·3 + 3), gru 3 · (3·2 + 2·2 + 2), dense 3.
        Assert.Equal(4 + 54 + 36 + 3, GruStackedResetBefore.TrainableParameterCount);
        Assert.Equal(4, GruStackedResetBefore.NonTrainableParameterCount);
        Assert.Equal(4 * 5, GruSequencesInference.OutputSize);
        Assert.Equal(3 * (3 * 5 + 5 * 5 + 2 * 5), GruSequencesInference.TrainableParameterCount);
    }

    [Fact]
    public void WeightsHaveKerasShapesAndOrder()
    {
        LayerInfo gru = GruSequenceClassifier.Layers[0];
        Assert.Equal("gru", gru.Name);
        Assert.Equal("GRU", gru.KerasClass);
        Assert.Equal(["kernel", "recurrent_kernel", "bias"], gru.Weights.Select(w => w.Name));
        Assert.Equal([3, 12], gru.Weights[0].Shape.ToArray());
        Assert.Equal([4, 12], gru.Weights[1].Shape.ToArray());
        Assert.Equal([2, 12], gru.Weights[2].Shape.ToArray());

        Assert.Equal([9], GruStackedResetBefore.Layers[1].Weights[2].Shape.ToArray());
        Assert.Equal([3, 6], GruStackedResetBefore.Layers[2].Weights[0].Shape.ToArray());
        Assert.Equal([2, 6], GruStackedResetBefore.Layers[2].Weights[1].Shape.ToArray());
    }

    [Fact]
    public void InitialWeightsAreKerasInitializers()
    {
        float[][] w = new GruSequenceClassifier(7).GetWeights();
        float limit = MathF.Sqrt(6f / (3 + 12));
        Assert.All(w[0], v => Assert.InRange(v, -limit, limit));
        Assert.Contains(w[0], v => v != 0);
        Assert.All(w[2], v => Assert.Equal(0f, v));

        // Orthogonal recurrent kernel [4, 12]: its rows are orthonormal.
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double dot = Enumerable.Range(0, 12).Sum(k => (double)w[1][i * 12 + k] * w[1][j * 12 + k]);
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 4);
            }
        }
    }

    [Fact]
    public void SummaryShowsTheGruAsKeras()
    {
        string summary = GruStackedResetBefore.Summary;
        Assert.Contains("GRU", summary);
        Assert.Contains("(None, 4, 3)", summary);
        Assert.Contains("54", summary);
        Assert.Contains("36", summary);
        Assert.Contains("(None, 2)", summary);
    }

    // ---------------------------------------------------------------- front ends and diagnostics

    [Fact]
    public void AttributeFormIsTheModelFileForm()
    {
        const string file = "model Twin.FromFile\ninput 5x3\ngru 4 return_sequences=true reset_after=false\ngru 3 activation=relu\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n";
        const string source = "using ModelGen;\nnamespace Twin;\n[Model]\n[Input(5, 3)]\n[Gru(4, ReturnSequences = true, ResetAfter = false)]\n[Gru(3, Activation = Activation.Relu)]\n[Dense(2, Activation = Activation.Softmax)]\n[Compile(Loss.CategoricalCrossentropy)]\npublic partial class FromAttributes;\n";
        var assembly = OnnxTesting.Compile([("/project/Models/FromFile.model", file)], [("/project/Twin.cs", source)]);
        var fromFile = (ITrainableModel)Activator.CreateInstance(assembly.GetType("Twin.FromFile")!, 3)!;
        var fromAttributes = (ITrainableModel)Activator.CreateInstance(assembly.GetType("Twin.FromAttributes")!, 3)!;
        Assert.Equal(fromFile.Layers.Select(l => l.ToString()), fromAttributes.Layers.Select(l => l.ToString()));
        Assert.Equal([12], fromFile.Layers[0].Weights[2].Shape.ToArray());
        Assert.Equal([2, 9], fromFile.Layers[1].Weights[2].Shape.ToArray());
        fromAttributes.SetWeights(fromFile.GetWeights());
        float[] x = OnnxTesting.Inputs(3, 15, seed: 2);
        Assert.Equal(KerasFixtures.Predict(fromFile, x, 3), KerasFixtures.Predict(fromAttributes, x, 3));
    }

    [Theory]
    [InlineData("input 10\ngru 4", 3, "gru", "(None, 10)")]
    [InlineData("input 4x4x1\ngru 4", 3, "gru", "(None, 4, 4, 1)")]
    [InlineData("input 5x3\ngru 4\ngru 2", 4, "gru", "(None, 4)")]
    [InlineData("input 5x3\ngru 4 return_sequences=true\ndense 2", 4, "dense", "(None, 5, 4)")]
    public void GruOnANonSequenceIsMG0005WithTheShapes(string body, int line, string token, string shape)
    {
        string text = "model Test.M\n" + body + "\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text);
        Diagnostic diagnostic = DiagnosticAssert.At(run.ModelGenDiagnostics(), "MG0005", DiagnosticSeverity.Error, ModelPath, text, line, token);
        Assert.Contains(shape, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("gru 0", "0", "units")]
    [InlineData("gru 3 activation=softmax", "softmax", "gru 'gru' cannot use softmax as its activation")]
    [InlineData("gru 3 recurrent_activation=softmax", "softmax", "gru 'gru' cannot use softmax as its recurrent_activation")]
    [InlineData("gru 3 reset_after=maybe", "maybe", "reset_after")]
    [InlineData("gru 3 reset_before=true", "reset_before", "reset_after")]
    public void BadGruArgumentIsADiagnosticAtItsToken(string layer, string token, string mentioned)
    {
        string text = $"model Test.M\ninput 10x4\n{layer}\ndense 2 activation=softmax\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text);
        Diagnostic diagnostic = run.ModelGenDiagnostics().Single(d => d.Severity == DiagnosticSeverity.Error);
        Assert.True(diagnostic.Id is "MG0002" or "MG0003", diagnostic.ToString());
        DiagnosticAssert.At(run.ModelGenDiagnostics(), diagnostic.Id, DiagnosticSeverity.Error, ModelPath, text, 3, token);
        Assert.Contains(mentioned, diagnostic.GetMessage());
    }

    [Fact]
    public void GruModelsGetNoGpuClassYet()
    {
        // The GPU backend has no GRU kernels yet: the planner leaves M.Gpu out rather than emit a partial class.
        Assert.Null(typeof(GruSequenceClassifier).GetNestedType("Gpu"));
        GeneratorRun run = GeneratorHarness.Run(
            modelFiles: [(GeneratorHarness.ProjectDirectory + "Models/Recurrent.model", "model Recurrent\ninput 4x3\ngru 5\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n")],
            extraReferences: [MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location)]);
        Assert.DoesNotContain("TestProject.Recurrent.Gpu.g.cs", run.Sources.Keys);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    // ---------------------------------------------------------------- CPU kernels

    public static IEnumerable<object[]> GradientModels() =>
    [
        [nameof(GruSequenceClassifier), GradientCheckTests.Labels.OneHot],
        [nameof(GruStackedResetBefore), GradientCheckTests.Labels.Binary],
        [nameof(GruGeluRegression), GradientCheckTests.Labels.Regression],
    ];

    /// <summary>As <see cref="GradientCheckTests"/>: one SGD step at learning rate 1 moves every weight by minus its
    /// gradient; central differences of the batch loss must agree.</summary>
    [Theory]
    [MemberData(nameof(GradientModels))]
    public void BackwardThroughTimeMatchesFiniteDifferences(string name, GradientCheckTests.Labels labels)
    {
        ITrainableModel model = GradientCheckTests.Create(name, seed: 3);
        (float[] x, float[] y) = GradientCheckTests.Data(model, labels, 8, seed: 5);
        var random = new Random(9);
        model.SetWeights(model.GetWeights().Select(t => t.Select(_ => (float)(random.NextDouble() * 1.6 - 0.8)).ToArray()).ToArray());
        float[][] start = model.GetWeights();
        ITrainableModel Fresh(float[][] weights)
        {
            ITrainableModel m = GradientCheckTests.Create(name, seed: 3);
            m.SetWeights(weights);
            return m;
        }

        ITrainableModel trained = Fresh(start);
        trained.TrainOnBatch(x, y);
        float[][] after = trained.GetWeights();
        string[] names = model.Layers.SelectMany(l => l.Weights.Select(w => l.Name + "/" + w.Name)).ToArray();
        int checkedValues = 0;
        for (int t = 0; t < start.Length; t++)
        {
            if (names[t].EndsWith("moving_mean", StringComparison.Ordinal) || names[t].EndsWith("moving_variance", StringComparison.Ordinal))
            {
                continue;
            }

            for (int i = 0; i < start[t].Length; i++)
            {
                double analytic = start[t][i] - after[t][i], numeric = double.NaN;
                bool agrees = false;
                foreach (float step in new[] { 4e-3f, 1e-3f, 2.5e-4f })
                {
                    float original = start[t][i];
                    start[t][i] = original + step;
                    double plus = Fresh(start).TrainOnBatch(x, y);
                    start[t][i] = original - step;
                    double minus = Fresh(start).TrainOnBatch(x, y);
                    start[t][i] = original;
                    numeric = (plus - minus) / (2.0 * step);
                    agrees |= Math.Abs(analytic - numeric) <= 2e-2 * Math.Max(Math.Abs(analytic), Math.Abs(numeric)) + 5e-4;
                }

                Assert.True(agrees, $"{name}: {names[t]}[{i}]: backward pass gives {analytic:G6}, finite differences {numeric:G6}");
                checkedValues++;
            }
        }

        Assert.True(checkedValues > 50, $"{name}: only {checkedValues} values checked");
    }

    [Fact]
    public void ThreadCountsGiveBitIdenticalResultsAndPredictIsTheTrainingForward()
    {
        var one = new GruStackedResetBefore(4) { MaxDegreeOfParallelism = 1 };
        var many = new GruStackedResetBefore(4) { MaxDegreeOfParallelism = 4 };
        (float[] x, float[] y) = GradientCheckTests.Data(one, GradientCheckTests.Labels.Binary, 64, seed: 6);
        for (int step = 0; step < 3; step++)
        {
            Assert.Equal(one.TrainOnBatch(x, y), many.TrainOnBatch(x, y));
        }

        Assert.Equal(one.GetWeights(), many.GetWeights());
        Assert.Equal(KerasFixtures.Predict(one, x, 64), KerasFixtures.Predict(many, x, 64));
    }

    [Fact]
    public void PredictAndTrainOnBatchAllocateNothingOnceWarm()
    {
        var model = new GruSequenceClassifier(2) { MaxDegreeOfParallelism = 1 };
        (float[] x, float[] y) = GradientCheckTests.Data(model, GradientCheckTests.Labels.OneHot, 16, seed: 1);
        var output = new float[16 * GruSequenceClassifier.OutputSize];
        model.Predict(x, output);
        model.TrainOnBatch(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            model.Predict(x, output);
            model.TrainOnBatch(x, y);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainingLearnsASequenceTask()
    {
        var model = new GruSequenceClassifier(5);
        var random = new Random(3);
        const int rows = 256;
        var x = new float[rows * 15];
        var y = new float[rows * 3];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < 15; i++)
            {
                x[r * 15 + i] = (float)(random.NextDouble() * 2 - 1);
            }

            // The class is the feature whose sum over the timesteps is largest.
            int best = Enumerable.Range(0, 3).OrderByDescending(f => Enumerable.Range(0, 5).Sum(t => x[r * 15 + t * 3 + f])).First();
            y[r * 3 + best] = 1;
        }

        float first = (float)model.Evaluate(x, y).Loss;
        model.Fit(x, y, new FitOptions { Epochs = 30, BatchSize = 32, Verbose = 0, Seed = 1 });
        EvaluationResult result = model.Evaluate(x, y);
        Assert.True(result.Loss < first * 0.7, $"loss {first} -> {result.Loss}");
        Assert.True(result.Accuracy > 0.6, $"accuracy {result.Accuracy}");
    }

    // ---------------------------------------------------------------- TensorFlow.js Layers 4.22 (reset_after=false)

    private static readonly Lazy<KerasFixtures.Imported> s_layers = new(ImportLayerFixtures);

    private static string LayersDirectory => Path.Combine(KerasFixtures.Directory, "Layers");

    public static TheoryData<string> TfjsCases() => new("gru_stack", "gru_classifier");

    private static KerasFixtures.Imported ImportLayerFixtures()
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-gru-fixtures-").FullName;
        var files = new List<(string Path, string Text)>();
        foreach (string name in new[] { "gru_stack", "gru_classifier" })
        {
            string className = "KerasGru." + KerasFixtures.Pascal(name);
            (int code, string output, string error) = KerasFixtures.RunTool("import", Path.Combine(LayersDirectory, name, "model.json"), "--output", folder, "--class", className);
            Assert.True(code == 0, $"import {name}: {error}{output}");
            string path = Path.Combine(folder, KerasFixtures.Pascal(name) + ".model");
            files.Add((path, File.ReadAllText(path)));
        }

        return (KerasFixtures.Imported)typeof(KerasFixtures.Imported)
            .GetConstructors(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)[0]
            .Invoke([OnnxTesting.Compile(files, []), folder]);
    }

    [Theory]
    [MemberData(nameof(TfjsCases))]
    public void ImportedTfjsGruPredictsAsTensorFlowJs(string name)
    {
        KerasExpected expected = KerasExpected.Load(Path.Combine(LayersDirectory, name, "expected.json"));
        string type = "KerasGru." + KerasFixtures.Pascal(name);
        string modelText = File.ReadAllText(Path.Combine(s_layers.Value.Folder, KerasFixtures.Pascal(name) + ".model"));
        Assert.Contains("reset_after=false", modelText);
        IModel model = s_layers.Value.Create(type);
        model.LoadWeights(s_layers.Value.WeightsOf(type));
        float[][] weights = model.GetWeights();
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(expected.Weights![i], weights[i]);
        }

        KerasFixtures.AssertClose(expected.Y, KerasFixtures.Predict(model, expected.X, expected.Batch), name);
    }

    [Theory]
    [MemberData(nameof(TfjsCases))]
    public void OneTrainingStepIsKeras(string name)
    {
        KerasExpected expected = KerasExpected.Load(Path.Combine(LayersDirectory, name, "expected.json"));
        string type = "KerasGru." + KerasFixtures.Pascal(name);
        var model = (ITrainableModel)s_layers.Value.Create(type);
        model.LoadWeights(s_layers.Value.WeightsOf(type));

        float loss = model.TrainOnBatch(expected.TrainX, expected.TrainY);

        KerasFixtures.AssertClose([expected.TrainLoss], [loss], $"{name} loss");
        float[][] after = model.GetWeights();
        string[] names = model.Layers.SelectMany(l => l.Weights.Select(w => l.Name + "/" + w.Name)).ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            KerasFixtures.AssertClose(expected.WeightsAfter![i], after[i], $"{name} {names[i]}");
        }
    }

    // ---------------------------------------------------------------- Keras files out and back

    /// <summary><c>modelgen export</c> of a gru model (reset_after=false, imported from tfjs) writes a Keras 3 file whose
    /// import gives the same .model and bit-identical weights.</summary>
    [Theory]
    [MemberData(nameof(TfjsCases))]
    public void ImportOfExportIsExact(string name)
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-gru-export-").FullName;
        try
        {
            string simple = KerasFixtures.Pascal(name);
            string imported = Path.Combine(s_layers.Value.Folder, simple);
            string keras = Path.Combine(folder, name + ".keras");
            (int code, _, string error) = KerasFixtures.RunTool("export", imported + ".model", "--weights", imported + ".weights", "--output", keras);
            Assert.True(code == 0, error);
            (code, _, error) = KerasFixtures.RunTool("import", keras, "--output", Path.Combine(folder, "again"), "--class", "KerasGru." + simple);
            Assert.True(code == 0, error);
            Assert.Equal(WithoutComments(File.ReadAllText(imported + ".model")), WithoutComments(File.ReadAllText(Path.Combine(folder, "again", simple + ".model"))));
            Assert.Equal(File.ReadAllBytes(imported + ".weights"), File.ReadAllBytes(Path.Combine(folder, "again", simple + ".weights")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>reset_after=true: the exported Keras 3 file keeps the bias as <c>[2, 3u]</c> under <c>layers/gru/cell/vars</c>,
    /// says reset_after, and reads back (import and LoadKerasWeights) to the same model and weights.</summary>
    [Fact]
    public void ResetAfterExportsAndImportsAsKeras3()
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-gru-export-").FullName;
        try
        {
            var model = new GruSequenceClassifier(11);
            string weights = Path.Combine(folder, "GruSequenceClassifier.weights");
            model.SaveWeights(weights);
            // The test model's file, with the namespace the test project gives it (its RootNamespace).
            string modelFile = Path.Combine(folder, "GruSequenceClassifier.model");
            File.WriteAllText(modelFile, File.ReadAllText(Path.Combine(Repository.Root, "tests", "ModelGen.TestModels", "Models", "GruSequenceClassifier.model"))
                .Replace("model GruSequenceClassifier", "model ModelGen.TestModels.GruSequenceClassifier", StringComparison.Ordinal));

            string keras = Path.Combine(folder, "gru.keras");
            (int code, _, string error) = KerasFixtures.RunTool("export", modelFile, "--weights", weights, "--output", keras);
            Assert.True(code == 0, error);

            KerasWeightSet set = KerasWeightsFile.Read(keras);
            KerasLayerWeights gru = set.Layers.Single(l => l.Name.EndsWith("gru", StringComparison.Ordinal));
            Assert.Equal(["cell/vars/0", "cell/vars/1", "cell/vars/2"], gru.Tensors.Select(t => t.Name));
            Assert.Equal(["3, 12", "4, 12", "2, 12"], gru.Tensors.Select(t => string.Join(", ", t.Shape)));
            using (var zip = System.IO.Compression.ZipFile.OpenRead(keras))
            using (var reader = new StreamReader(zip.GetEntry("config.json")!.Open()))
            {
                string config = reader.ReadToEnd();
                Assert.Contains("\"class_name\": \"GRU\"", config.Replace("\":\"", "\": \""));
                Assert.Contains("reset_after", config);
            }

            (code, _, error) = KerasFixtures.RunTool("import", keras, "--output", Path.Combine(folder, "again"), "--class", "ModelGen.TestModels.GruSequenceClassifier");
            Assert.True(code == 0, error);
            Assert.Contains("gru 4 reset_after=true name=gru", File.ReadAllText(Path.Combine(folder, "again", "GruSequenceClassifier.model")));
            Assert.Equal(File.ReadAllBytes(weights), File.ReadAllBytes(Path.Combine(folder, "again", "GruSequenceClassifier.weights")));

            var loaded = new GruSequenceClassifier(0);
            loaded.LoadKerasWeights(keras);
            Assert.Equal(model.GetWeights(), loaded.GetWeights());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void KerasGruConfigsImportWithTheirResetAfterAndRefuseWhatGruLacks()
    {
        string Config(string gru) => "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 6, 2], \"name\": \"input\"}}, {\"class_name\": \"GRU\", \"config\": {\"name\": \"gru\", " + gru + "}}]}}";
        string folder = Directory.CreateTempSubdirectory("modelgen-gru-config-").FullName;
        try
        {
            (string Config, string? Line, string? Problem)[] cases =
            [
                ("\"units\": 3", "gru 3 reset_after=false name=gru", null), // before Keras 2.1 there was no key: reset before
                ("\"units\": 3, \"reset_after\": true, \"return_sequences\": true", "gru 3 return_sequences=true reset_after=true name=gru", null),
                ("\"units\": 3, \"reset_after\": false, \"activation\": \"relu\"", "gru 3 activation=relu reset_after=false name=gru", null),
                ("\"units\": 3, \"recurrent_activation\": \"hard_sigmoid\"", "gru 3 recurrent_activation=hard_sigmoid_keras2 reset_after=false name=gru", null), // Keras 2's, as the LSTM's
                ("\"units\": 3, \"go_backwards\": true", null, "go_backwards"),
                ("\"units\": 3, \"use_bias\": false", null, "use_bias=false"),
            ];
            int i = 0;
            foreach ((string config, string? line, string? problem) in cases)
            {
                string file = Path.Combine(folder, $"c{i}.json");
                File.WriteAllText(file, Config(config));
                string output = Path.Combine(folder, $"out{i++}");
                (int code, _, string error) = KerasFixtures.RunTool("import", file, "--output", output, "--class", "C.M");
                if (line is not null)
                {
                    Assert.True(code == 0, error);
                    Assert.Contains(line, File.ReadAllText(Path.Combine(output, "M.model")));
                }
                else
                {
                    Assert.Equal(1, code);
                    Assert.Contains("layer 'gru' (GRU)", error);
                    Assert.Contains(problem!, error);
                    Assert.False(Directory.Exists(output));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string WithoutComments(string modelFile) =>
        string.Join("\n", modelFile.Split('\n').Where(line => !line.StartsWith('#')));

    // ---------------------------------------------------------------- ONNX

    [Fact]
    public void ExportOnnxRunsInOnnxRuntimeAsPredict()
    {
        OnnxTesting.AssertOnnxMatchesPredict(new GruSequenceClassifier(2), nameof(GruSequenceClassifier));
        OnnxTesting.AssertOnnxMatchesPredict(new GruStackedResetBefore(2), nameof(GruStackedResetBefore));
        OnnxTesting.AssertOnnxMatchesPredict(new GruSequencesInference(2), nameof(GruSequencesInference));
        var gelu = new GruGeluRegression(1);
        var exception = Assert.Throws<NotSupportedException>(() => gelu.ExportOnnx(new MemoryStream()));
        Assert.Contains("uses gelu, which ONNX's GRU operator has no activation for", exception.Message);
    }

    [Fact]
    public void ExportedGraphHasOneGruNodePerLayerWithLinearBeforeReset()
    {
        OnnxFile classifier = OnnxFile.Parse(OnnxTesting.Export(new GruSequenceClassifier(2)));
        OnnxFile stacked = OnnxFile.Parse(OnnxTesting.Export(new GruStackedResetBefore(2)));
        OnnxNode gru = Assert.Single(classifier.Nodes, n => n.OpType == "GRU");
        Assert.Equal("gru", gru.Name);
        Assert.Equal(1L, gru.Attributes["linear_before_reset"]);
        Assert.Equal(4L, gru.Attributes["hidden_size"]);
        OnnxNode[] grus = stacked.Nodes.Where(n => n.OpType == "GRU").ToArray();
        Assert.Equal(["gru", "gru_1"], grus.Select(n => n.Name));
        Assert.All(grus, n => Assert.Equal(0L, n.Attributes["linear_before_reset"]));
    }

    /// <summary>reset_after=true (Keras's default, which tfjs refuses) against ONNX Runtime's GRU with
    /// linear_before_reset=1 on a graph written here: W = kernelᵀ, R = recurrent_kernelᵀ (ONNX's gate order z, r, h is
    /// Keras's), B = [input bias, recurrent bias].</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ResetAfterMatchesOnnxRuntimesGruWithLinearBeforeReset(int seed)
    {
        const int T = 4, F = 3, U = 5, N = 6;
        var random = new Random(seed);
        float[] Uniform(int n, double limit) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * limit)).ToArray();
        float[] kernel = Uniform(F * 3 * U, 0.8), recurrent = Uniform(U * 3 * U, 0.6), bias = Uniform(2 * 3 * U, 0.4);
        var model = new GruSequencesInference(seed);
        model.SetWeights([kernel, recurrent, bias]);
        float[] x = Uniform(N * T * F, 2);
        float[] predicted = KerasFixtures.Predict(model, x, N);

        var w = new float[3 * U * F];
        var r = new float[3 * U * U];
        for (int row = 0; row < 3 * U; row++)
        {
            for (int k = 0; k < F; k++) w[row * F + k] = kernel[k * 3 * U + row];
            for (int k = 0; k < U; k++) r[row * U + k] = recurrent[k * 3 * U + row];
        }

        var timeMajor = new float[x.Length];
        for (int n = 0; n < N; n++)
            for (int t = 0; t < T; t++)
                for (int f = 0; f < F; f++)
                    timeMajor[(t * N + n) * F + f] = x[(n * T + t) * F + f];

        byte[] graph = OnnxProtoWriter.Graph(
            [OnnxProtoWriter.Node("GRU", ["x", "W", "R", "B"], "y", OnnxProtoWriter.Int("hidden_size", U), OnnxProtoWriter.Int("linear_before_reset", 1))],
            [OnnxProtoWriter.Tensor("W", [1, 3 * U, F], w), OnnxProtoWriter.Tensor("R", [1, 3 * U, U], r), OnnxProtoWriter.Tensor("B", [1, 6 * U], bias)],
            ("x", [T, N, F]),
            ("y", [T, 1, N, U]),
            opset: 14);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(graph, options);
        using var input = OrtValue.CreateTensorValueFromMemory(timeMajor, new long[] { T, N, F });
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        float[] reference = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        for (int n = 0; n < N; n++)
            for (int t = 0; t < T; t++)
                for (int u = 0; u < U; u++)
                {
                    float expected = reference[(t * N + n) * U + u], actual = predicted[(n * T + t) * U + u];
                    Assert.True(Math.Abs(expected - actual) <= 1e-5f * Math.Max(1f, Math.Abs(expected)), $"sample {n} step {t} unit {u}: Predict {actual:R}, ONNX Runtime {expected:R}");
                }

        Assert.Contains(predicted, v => Math.Abs(v) > 0.05f);
    }
}
