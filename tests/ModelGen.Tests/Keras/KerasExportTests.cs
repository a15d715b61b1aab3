using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using ModelGen.Keras;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>Back to Keras: <c>modelgen export</c> and <c>SaveKerasWeights</c> write what Keras 3 reads (the entries, group
/// paths, shapes and dtypes of the reference <c>.keras</c> files written following Keras's saving code), and the round
/// trips are exact: <c>import(export(m))</c> gives the same <c>.model</c> and bit-identical weights.</summary>
public sealed class KerasExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The reference cases Keras 3 can express (those with a <c>.keras</c> reference).</summary>
    public static TheoryData<string> Cases() => new(KerasFixtures.ReferenceCases.Where(name => File.Exists(Path.Combine(KerasFixtures.ReferenceDirectory, name, "model.keras"))));

    [Fact]
    public void Keras2HardSigmoidHasNoKeras3FormAndExportSaysSo()
    {
        string imported = Path.Combine(KerasFixtures.Models.Folder, KerasFixtures.Pascal("hard_sigmoid_keras2"));
        string keras = Path.Combine(_folder, "hs.keras");

        (int code, _, string error) = KerasFixtures.RunTool("export", imported + ".model", "--weights", imported + ".weights", "--output", keras);

        Assert.Equal(1, code);
        Assert.Equal("modelgen: HardSigmoidKeras2.model: hard_sigmoid_keras2 (Keras 2's clip(0.2x + 0.5, 0, 1)) has no Keras 3 equivalent: Keras 3's hard_sigmoid is relu6(x + 3) / 6", error.Trim());
        Assert.False(File.Exists(keras));
    }

    private static string TypeOf(string name) => "KerasRef." + KerasFixtures.Pascal(name);

    private string Export(string name)
    {
        string imported = Path.Combine(KerasFixtures.Models.Folder, KerasFixtures.Pascal(name));
        string keras = Path.Combine(_folder, name + ".keras");
        (int code, string output, string error) = KerasFixtures.RunTool("export", imported + ".model", "--weights", imported + ".weights", "--output", keras);
        Assert.True(code == 0, error);
        Assert.Equal($"wrote {keras}", output.Trim());
        return keras;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportOfExportGivesTheSameModelAndBitIdenticalWeights(string name)
    {
        string keras = Export(name);
        string again = Path.Combine(_folder, "again");

        (int code, _, string error) = KerasFixtures.RunTool("import", keras, "--output", again, "--class", TypeOf(name));

        Assert.True(code == 0, error);
        string simple = KerasFixtures.Pascal(name);
        string original = Path.Combine(KerasFixtures.Models.Folder, simple);
        Assert.Equal(WithoutComments(File.ReadAllText(original + ".model")), WithoutComments(File.ReadAllText(Path.Combine(again, simple + ".model"))));
        Assert.Equal(File.ReadAllBytes(original + ".weights"), File.ReadAllBytes(Path.Combine(again, simple + ".weights")));
    }

    /// <summary>The exported file has Keras 3's entries and, group by group, the tensors (paths, shapes, float32) of the
    /// reference <c>.keras</c> of the same architecture; its configuration lists the same layer classes.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedFilesHaveTheLayoutKerasWrites(string name)
    {
        string keras = Export(name);
        string reference = Path.Combine(KerasFixtures.ReferenceDirectory, name, "model.keras");

        using (ZipArchive written = ZipFile.OpenRead(keras))
        using (ZipArchive expected = ZipFile.OpenRead(reference))
        {
            Assert.Equal(expected.Entries.Select(e => e.FullName).Order(), written.Entries.Select(e => e.FullName).Order());
            Assert.Equal(Classes(expected), Classes(written));
        }

        KerasWeightSet ours = KerasWeightsFile.Read(keras);
        KerasWeightSet theirs = KerasWeightsFile.Read(reference);
        Assert.Equal(KerasWeightsLayout.Keras3, ours.Layout);
        Assert.Equal(Describe(theirs), Describe(ours));
        foreach ((KerasLayerWeights a, KerasLayerWeights b) in theirs.Layers.Where(l => l.Tensors.Count > 0).Zip(ours.Layers.Where(l => l.Tensors.Count > 0)))
        {
            foreach ((KerasTensor x, KerasTensor y) in a.Tensors.Zip(b.Tensors))
            {
                Assert.Equal(x.Values, y.Values); // the imported weights, written back bit for bit
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveKerasWeightsThenLoadKerasWeightsIsBitIdentical(string name)
    {
        IModel model = KerasFixtures.Models.Create(TypeOf(name));
        model.LoadWeights(KerasFixtures.Models.WeightsOf(TypeOf(name)));
        string path = Path.Combine(_folder, name + ".weights.h5");

        model.SaveKerasWeights(path);
        IModel other = KerasFixtures.Models.Create(TypeOf(name));
        other.LoadKerasWeights(path);

        Assert.Equal(model.GetWeights(), other.GetWeights());
        Assert.Equal(Describe(KerasWeightsFile.Read(Path.Combine(KerasFixtures.ReferenceDirectory, name, "model.keras"))), Describe(KerasWeightsFile.Read(path)));
    }

    [Fact]
    public void AFileOfAnotherArchitectureNamesTheFirstLayerThatDiffersAndChangesNothing()
    {
        IModel model = KerasFixtures.Models.Create(TypeOf("mlp_bn_after_relu"));
        float[][] before = model.GetWeights();

        var legacy = Assert.Throws<InvalidDataException>(() => model.LoadKerasWeights(Path.Combine(KerasFixtures.ReferenceDirectory, "mlp_bn_before_relu", "model.h5")));
        var keras3 = Assert.Throws<InvalidDataException>(() => model.LoadKerasWeights(Path.Combine(KerasFixtures.ReferenceDirectory, "cnn_bn_pool", "model.keras")));

        Assert.Equal("model.h5: layer 'dense' (Dense): the model has 2 tensors (kernel (3, 6), bias (6,)), the file's 'dense' 1 (dense/kernel:0 (4, 5)). Nothing was changed.", legacy.Message);
        Assert.Equal("model.keras: layer 'dense' (Dense): kernel is (3, 6) in the model, (16, 3) in the file ('vars/0'). Nothing was changed.", keras3.Message);
        Assert.Equal(before, model.GetWeights());
    }

    [Fact]
    public void ExportWithoutWeightsWritesTheLayoutAndSaysSo()
    {
        string imported = Path.Combine(KerasFixtures.Models.Folder, KerasFixtures.Pascal("lstm_seq"));
        string keras = Path.Combine(_folder, "layout.keras");

        (int code, _, string error) = KerasFixtures.RunTool("export", imported + ".model", "--output", keras);

        Assert.Equal(0, code);
        Assert.Contains("no --weights", error);
        Assert.Equal(Describe(KerasWeightsFile.Read(Path.Combine(KerasFixtures.ReferenceDirectory, "lstm_seq", "model.keras"))), Describe(KerasWeightsFile.Read(keras)));
    }

    [Fact]
    public void ExportOfABrokenModelFileReportsItsErrorsAndWritesNothing()
    {
        string model = Path.Combine(_folder, "Broken.model");
        File.WriteAllText(model, "model Broken\ninput 4\ndense 0\n");
        string keras = Path.Combine(_folder, "broken.keras");

        (int code, _, string error) = KerasFixtures.RunTool("export", model, "--output", keras);

        Assert.Equal(1, code);
        Assert.Contains("MG0", error);
        Assert.False(File.Exists(keras));
    }

    /// <summary>A real Keras 3.9 file (FlowNet-ANN, Public/PROVENANCE.md): the imported model exported again has the
    /// entries, weight groups, paths, shapes and values of the file Keras wrote.</summary>
    [Fact]
    public void ExportOfARealKeras3FileReproducesItsWeightsLayout()
    {
        const string file = "regression_mlp_leakyrelu_keras3.keras";
        string type = "KerasPublic." + KerasFixtures.Pascal(file);
        string imported = Path.Combine(KerasFixtures.Models.Folder, type[(type.IndexOf('.') + 1)..]);
        string keras = Path.Combine(_folder, "again.keras");

        (int code, _, string error) = KerasFixtures.RunTool("export", imported + ".model", "--weights", imported + ".weights", "--output", keras);

        Assert.True(code == 0, error);
        string real = Path.Combine(KerasFixtures.PublicDirectory, file);
        using (ZipArchive written = ZipFile.OpenRead(keras))
        using (ZipArchive expected = ZipFile.OpenRead(real))
        {
            Assert.Equal(expected.Entries.Select(e => e.FullName).Order(), written.Entries.Select(e => e.FullName).Order());
        }

        KerasWeightSet theirs = KerasWeightsFile.Read(real);
        KerasWeightSet ours = KerasWeightsFile.Read(keras);
        Assert.Equal(Describe(theirs), Describe(ours));
        Assert.Equal(theirs.Layers.SelectMany(l => l.Tensors).Select(t => t.Values), ours.Layers.SelectMany(l => l.Tensors).Select(t => t.Values));
    }

    /// <summary>Keras 1 stored an LSTM as twelve tensors, gate by gate (W, U, b of i, c, f, o); they load as Keras 2's
    /// kernel, recurrent_kernel and bias with the gates in Keras 2's order i, f, c, o (what Keras 2's own loader does).</summary>
    [Fact]
    public void Keras1LstmTensorsAreConcatenatedInKeras2GateOrder()
    {
        const int inputs = 2, units = 3;
        string[] gates = ["i", "c", "f", "o"];
        var tensors = new System.Collections.Generic.List<KerasTensor>();
        for (int g = 0; g < 4; g++)
        {
            // Each value names its gate (1..4 for i, c, f, o) and its position, so the result shows where it went.
            float Value(int gate, int part, int index) => (gate + 1) * 100 + part * 10 + index;
            tensors.Add(new KerasTensor($"lstm_1_W_{gates[g]}", [inputs, units], Enumerable.Range(0, inputs * units).Select(i => Value(g, 0, i)).ToArray()));
            tensors.Add(new KerasTensor($"lstm_1_U_{gates[g]}", [units, units], Enumerable.Range(0, units * units).Select(i => Value(g, 1, i)).ToArray()));
            tensors.Add(new KerasTensor($"lstm_1_b_{gates[g]}", [units], Enumerable.Range(0, units).Select(i => Value(g, 2, i)).ToArray()));
        }

        var file = new KerasWeightSet(KerasWeightsLayout.Legacy, [new KerasLayerWeights("lstm_1", tensors)], null, null, "1.2.2");
        LayerInfo lstm = new("lstm_1", "LSTM", new WeightInfo("kernel", true, inputs, 4 * units), new WeightInfo("recurrent_kernel", true, units, 4 * units), new WeightInfo("bias", true, 4 * units));

        float[][] loaded = KerasWeightMatcher.Match([lstm], file, "keras1.h5");

        // Row 0 of the kernel: i's first row, then f's (stored third), c's (stored second), o's.
        Assert.Equal(new float[] { 100, 101, 102, 300, 301, 302, 200, 201, 202, 400, 401, 402 }, loaded[0][..12]);
        Assert.Equal(new float[] { 103, 104, 105, 303, 304, 305, 203, 204, 205, 403, 404, 405 }, loaded[0][12..]);
        Assert.Equal(new float[] { 120, 121, 122, 320, 321, 322, 220, 221, 222, 420, 421, 422 }, loaded[2]);
        Assert.Equal(units * 4 * units, loaded[1].Length);
    }

    private static string[] Classes(ZipArchive archive)
    {
        using var reader = new StreamReader(archive.GetEntry("config.json")!.Open());
        using var document = System.Text.Json.JsonDocument.Parse(reader.ReadToEnd());
        return document.RootElement.GetProperty("config").GetProperty("layers").EnumerateArray()
            .Select(l => l.GetProperty("class_name").GetString()!)
            .Where(c => c != "InputLayer")
            .Select(c => c is "LeakyReLU" or "ReLU" or "Softmax" or "ELU" ? "Activation" : c)
            .ToArray();
    }

    private static string[] Describe(KerasWeightSet set) =>
        set.Layers.Where(l => l.Tensors.Count > 0)
            .SelectMany(l => l.Tensors.Select(t => $"{l.Name}/{t.Name} ({string.Join(", ", t.Shape)})"))
            .ToArray();

    private static string WithoutComments(string modelFile) =>
        string.Join("\n", modelFile.Split('\n').Where(line => !line.StartsWith('#')));
}
