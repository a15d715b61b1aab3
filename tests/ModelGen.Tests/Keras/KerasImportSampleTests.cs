using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using KerasImport;
using ModelGen.Keras;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tool;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>samples/KerasImport's claims, checked without running it: its checked-in <c>.model</c> file is what
/// <c>modelgen import</c> writes now from its Keras file, the compiled class loaded with the Keras weights predicts
/// what TensorFlow.js did, and the refused file is refused.</summary>
public sealed class KerasImportSampleTests : IDisposable
{
    private static readonly string Sample = Path.Combine(Repository.SamplesDirectory, "KerasImport");
    private readonly string _folder = Directory.CreateTempSubdirectory("keras-import-sample-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheCheckedInModelFileIsWhatTheImportWritesNow()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(["import", Path.Combine(Sample, "Data/circles_keras.h5"), "--output", _folder, "--class", "KerasImport.CirclesKeras"], output, error);

        Assert.True(code == 0, error.ToString());
        Assert.Equal(File.ReadAllText(Path.Combine(Sample, "Models/CirclesKeras.model")), File.ReadAllText(Path.Combine(_folder, "CirclesKeras.model")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Sample, "Models/CirclesKeras.weights")), File.ReadAllBytes(Path.Combine(_folder, "CirclesKeras.weights")));
    }

    [Fact]
    public void TheCompiledClassWithTheKerasWeightsPredictsWhatKerasDid()
    {
        var model = new CirclesKeras();
        model.LoadKerasWeights(Path.Combine(Sample, "Data/circles_keras.h5"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Sample, "Data/circles_keras.expected.json")));
        var rows = expected.RootElement.GetProperty("inputs").EnumerateArray().Zip(expected.RootElement.GetProperty("outputs").EnumerateArray()).ToArray();

        Assert.Equal(5, rows.Length);
        foreach (var (input, output) in rows)
        {
            float[] x = input.EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float keras = output[0].GetSingle();
            float[] y = new float[1];
            model.Predict(x, y);
            Assert.True(Math.Abs(y[0] - keras) <= 1e-5 * Math.Abs(keras) + 1e-6, $"input ({x[0]}, {x[1]}): ModelGen {y[0]}, Keras {keras}");
        }
    }

    [Fact]
    public void TheRefusedFileExitsOneNamingTheLambdaLayerAndWritesNothing()
    {
        string target = Path.Combine(_folder, "out");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(["import", Path.Combine(Sample, "Data/refused_model.json"), "--output", target], output, error);

        Assert.Equal(1, code);
        Assert.Contains("layer 'lambda' (Lambda)", error.ToString());
        Assert.False(Directory.Exists(target));
    }
}
