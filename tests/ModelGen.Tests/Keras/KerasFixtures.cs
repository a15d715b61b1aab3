using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tests.Onnx;
using ModelGen.Tool;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>One Keras file's reference values (<c>expected.json</c>), computed by TensorFlow.js Layers from the same file
/// (tools/keras-reference): the inputs, the outputs, the weights in Keras's order and, for the training cases, one step.</summary>
public sealed class KerasExpected
{
    private KerasExpected(JsonElement root)
    {
        X = Floats(root.GetProperty("x"));
        Y = Floats(root.GetProperty("y"));
        Batch = root.GetProperty("batch").GetInt32();
        Weights = root.TryGetProperty("weights", out JsonElement w) && w.ValueKind == JsonValueKind.Array ? w.EnumerateArray().Select(Floats).ToArray() : null;
        if (root.TryGetProperty("train", out JsonElement train))
        {
            TrainX = Floats(train.GetProperty("x"));
            TrainY = Floats(train.GetProperty("y"));
            TrainLoss = train.GetProperty("loss").GetSingle();
            WeightsAfter = train.GetProperty("weights_after").EnumerateArray().Select(Floats).ToArray();
        }
    }

    public float[] X { get; }

    public float[] Y { get; }

    public int Batch { get; }

    /// <summary>The weights in Keras's <c>get_weights()</c> order; null where the file is too large to list them.</summary>
    public float[][]? Weights { get; }

    public float[]? TrainX { get; }

    public float[]? TrainY { get; }

    public float TrainLoss { get; }

    public float[][]? WeightsAfter { get; }

    public static KerasExpected Load(string path)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return new KerasExpected(document.RootElement.Clone());
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();
}

/// <summary>
/// The Keras files of tests/ModelGen.Tests/Keras/Fixtures imported once with <c>modelgen import</c> and compiled together
/// in memory: <c>Reference/&lt;case&gt;</c> (models written by tools/keras-reference in every format) as
/// <c>KerasRef.&lt;Case&gt;</c>, and the real files of <c>Public/</c> as <c>KerasPublic.&lt;File&gt;</c>.
/// </summary>
public static class KerasFixtures
{
    public static string Directory => Path.Combine(Repository.TestsDirectory, "Keras", "Fixtures");

    public static string ReferenceDirectory => Path.Combine(Directory, "Reference");

    public static string PublicDirectory => Path.Combine(Directory, "Public");

    public static IEnumerable<string> ReferenceCases => System.IO.Directory.GetDirectories(ReferenceDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>The public files with reference outputs (weights-only files are imported from their JSON architecture).</summary>
    public static IEnumerable<string> PublicFiles => System.IO.Directory.GetFiles(PublicDirectory, "*.expected.json")
        .Select(p => Path.GetFileName(p)[..^".expected.json".Length]).Order(StringComparer.Ordinal);

    public static TheoryData<string> ReferenceCaseData() => new(ReferenceCases);

    public static TheoryData<string> PublicFileData() => new(PublicFiles);

    private static readonly Lazy<Imported> s_imported = new(Import);

    public static Imported Models => s_imported.Value;

    /// <summary>The class name for a case or file: <c>mlp_bn_after_relu</c> → <c>MlpBnAfterRelu</c>.</summary>
    public static string Pascal(string name) =>
        string.Concat(name.Split('_', '.', '-').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>Runs <c>modelgen import</c>; returns its exit code and what it printed.</summary>
    public static (int Code, string Output, string Error) RunTool(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public static void AssertClose(float[] expected, float[] actual, string context, double relative = 1e-5, double absolute = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{context}: [{i}] expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3})");
        }
    }

    public static float[] Predict(IModel model, float[] x, int batch)
    {
        var y = new float[batch * model.OutputSize];
        model.Predict(x, y);
        return y;
    }

    public sealed class Imported
    {
        private readonly Assembly _assembly;

        internal Imported(Assembly assembly, string folder)
        {
            _assembly = assembly;
            Folder = folder;
        }

        /// <summary>Where the imported .model and .weights files are.</summary>
        public string Folder { get; }

        public IModel Create(string typeName) => (IModel)Activator.CreateInstance(_assembly.GetType(typeName, throwOnError: true)!, 0)!;

        public string WeightsOf(string typeName) => Path.Combine(Folder, typeName[(typeName.LastIndexOf('.') + 1)..] + ".weights");
    }

    private static Imported Import()
    {
        string folder = System.IO.Directory.CreateTempSubdirectory("modelgen-keras-fixtures-").FullName;
        var modelFiles = new List<(string Path, string Text)>();
        void Run(string file, string className)
        {
            (int code, string output, string error) = RunTool("import", file, "--output", folder, "--class", className);
            Assert.True(code == 0, $"import {file}: {error}{output}");
            string path = Path.Combine(folder, className[(className.IndexOf('.') + 1)..] + ".model");
            modelFiles.Add((path, File.ReadAllText(path)));
        }

        foreach (string name in ReferenceCases)
        {
            Run(Path.Combine(ReferenceDirectory, name, "model.json"), "KerasRef." + Pascal(name));
        }

        foreach (string file in PublicFiles)
        {
            string path = Path.Combine(PublicDirectory, file);
            string architecture = Path.ChangeExtension(path, ".json");
            Run(File.Exists(architecture) ? architecture : path, "KerasPublic." + Pascal(file));
        }

        return new Imported(OnnxTesting.Compile(modelFiles, []), folder);
    }
}
