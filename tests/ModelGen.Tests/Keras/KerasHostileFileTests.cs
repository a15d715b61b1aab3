using System;
using System.IO;
using System.Linq;
using ModelGen.Keras;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>Untrusted Keras files end to end: <c>modelgen import</c> and <c>LoadKerasWeights</c> on damaged or poisoned real
/// files end in one clear error, write nothing and change no weight (the readers' own bounds and fuzzing:
/// <see cref="KerasWeightsFileTests"/>, <see cref="KerasWeightsFuzzTests"/>).</summary>
public sealed class KerasHostileFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, int> Truncations()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in new[] { "mlp_functional_keras2_0_9.h5", "regression_mlp_leakyrelu_keras3.keras", "lstm_seq_flatten_keras2_1.h5" })
        {
            foreach (int percent in new[] { 3, 50, 97 })
            {
                data.Add(file, percent);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Truncations))]
    public void ATruncatedFileIsRefusedAndNothingIsWritten(string file, int percent)
    {
        byte[] content = File.ReadAllBytes(Path.Combine(KerasFixtures.PublicDirectory, file));
        string damaged = Path.Combine(_folder, file);
        File.WriteAllBytes(damaged, content[..(content.Length * percent / 100)]);
        string output = Path.Combine(_folder, "out");

        (int code, string stdout, string stderr) = KerasFixtures.RunTool("import", damaged, "--output", output);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith($"modelgen: {file}: ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void NaNWeightsAreRefusedBeforeAnyWeightChanges()
    {
        IModel model = KerasFixtures.Models.Create("KerasRef.MlpBnAfterRelu");
        float[][] before = model.GetWeights();
        float[][] poisoned = before.Select(t => (float[])t.Clone()).ToArray();
        poisoned[^1][0] = float.NaN; // the last tensor: every earlier one is valid and would be loaded by a careless reader
        string path = Path.Combine(_folder, "nan.weights.h5");
        KerasWeightsFile.WriteKeras3(path, KerasModelExtensions.ToKeras3(model.Layers, poisoned));

        var exception = Assert.Throws<InvalidDataException>(() => model.LoadKerasWeights(path));

        Assert.Equal("nan.weights.h5: layer 'dense_1' (Dense): bias ('vars/1') holds NaN at index 0: the file's weights are not usable. Nothing was changed.", exception.Message);
        Assert.Equal(before, model.GetWeights());
    }

    [Fact]
    public void AWeightsOnlyFileGivenToImportPointsAtLoadKerasWeights()
    {
        string file = Path.Combine(KerasFixtures.PublicDirectory, "jet_mlp_bn_weights_only_keras2_0_8.h5");

        (int code, _, string stderr) = KerasFixtures.RunTool("import", file, "--output", _folder);

        Assert.Equal(1, code);
        Assert.Contains("holds only weights (no model configuration)", stderr);
        Assert.Contains("model.LoadKerasWeights(path)", stderr);
        Assert.Empty(Directory.GetFiles(_folder));
    }
}
