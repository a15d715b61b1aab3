using System;
using System.IO;
using System.Linq;
using ModelGen.Keras;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>
/// Imported Keras models against an independent Keras implementation: every output and training step is compared with
/// TensorFlow.js Layers 4.22 on the same files (tools/keras-reference; outputs checked in). Tolerance: 1e-5 relative
/// (plus 1e-6 absolute, for values near zero) on float32.
/// </summary>
public sealed class KerasReferenceTests
{
    private static readonly string[] s_formats = ["model.json", "model.h5", "model.keras"];

    public static TheoryData<string> Cases() => KerasFixtures.ReferenceCaseData();

    public static TheoryData<string> PublicFiles() => KerasFixtures.PublicFileData();

    public static TheoryData<string, string> CasesInEveryFormat()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in KerasFixtures.ReferenceCases)
        {
            // hard_sigmoid_keras2 has no Keras 3 form, so no .keras file (tools/keras-reference/generate.mjs).
            foreach (string format in s_formats.Where(f => File.Exists(Path.Combine(KerasFixtures.ReferenceDirectory, name, f))))
            {
                data.Add(name, format);
            }
        }

        return data;
    }

    private static string TypeOf(string name) => "KerasRef." + KerasFixtures.Pascal(name);

    private static KerasExpected Expected(string name) => KerasExpected.Load(Path.Combine(KerasFixtures.ReferenceDirectory, name, "expected.json"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ImportedModelPredictsAsTensorFlowJs(string name)
    {
        KerasExpected expected = Expected(name);
        IModel model = KerasFixtures.Models.Create(TypeOf(name));
        model.LoadWeights(KerasFixtures.Models.WeightsOf(TypeOf(name)));

        KerasFixtures.AssertClose(expected.Y, KerasFixtures.Predict(model, expected.X, expected.Batch), name);
    }

    [Theory]
    [MemberData(nameof(CasesInEveryFormat))]
    public void LoadKerasWeightsReadsEveryFormatBitForBit(string name, string format)
    {
        KerasExpected expected = Expected(name);
        IModel model = KerasFixtures.Models.Create(TypeOf(name));

        model.LoadKerasWeights(Path.Combine(KerasFixtures.ReferenceDirectory, name, format));

        float[][] weights = model.GetWeights();
        Assert.Equal(expected.Weights!.Length, weights.Length);
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(expected.Weights[i], weights[i]);
        }

        KerasFixtures.AssertClose(expected.Y, KerasFixtures.Predict(model, expected.X, expected.Batch), $"{name}/{format}");
    }

    [Theory]
    [MemberData(nameof(CasesInEveryFormat))]
    public void EveryFormatImportsToTheSameModelFileAndWeights(string name, string format)
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-import-").FullName;
        try
        {
            (int code, _, string error) = KerasFixtures.RunTool("import", Path.Combine(KerasFixtures.ReferenceDirectory, name, format), "--output", folder, "--class", TypeOf(name));
            Assert.True(code == 0, error);
            string simple = KerasFixtures.Pascal(name);
            string reference = Path.Combine(KerasFixtures.Models.Folder, simple);
            Assert.Equal(WithoutComments(File.ReadAllText(reference + ".model")), WithoutComments(File.ReadAllText(Path.Combine(folder, simple + ".model"))));
            Assert.Equal(File.ReadAllBytes(reference + ".weights"), File.ReadAllBytes(Path.Combine(folder, simple + ".weights")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One <c>TrainOnBatch</c> after import continues training as Keras would: the loss and every weight after the
    /// step against tfjs-layers' loss and gradients with Keras's SGD (momentum) and Adam updates.</summary>
    [Theory]
    [InlineData("mlp_bn_after_relu")]
    [InlineData("mlp_bn_before_relu")]
    [InlineData("cnn_global_avg_pool")]
    [InlineData("cnn_global_max_pool")]
    [InlineData("seq_avg_pool")]
    [InlineData("seq_global_max_pool")]
    public void TrainOnBatchContinuesAsKeras(string name)
    {
        KerasExpected expected = Expected(name);
        var model = (ITrainableModel)KerasFixtures.Models.Create(TypeOf(name));
        model.LoadKerasWeights(Path.Combine(KerasFixtures.ReferenceDirectory, name, "model.keras"));

        float loss = model.TrainOnBatch(expected.TrainX, expected.TrainY);

        KerasFixtures.AssertClose([expected.TrainLoss], [loss], $"{name} loss");
        float[][] after = model.GetWeights();
        for (int i = 0; i < after.Length; i++)
        {
            KerasFixtures.AssertClose(expected.WeightsAfter![i], after[i], $"{name} weight {model.Layers.SelectMany(l => l.Weights.Select(w => l.Name + "/" + w.Name)).ElementAt(i)}");
        }
    }

    [Theory]
    [MemberData(nameof(PublicFiles))]
    public void RealKerasFilesPredictAsTensorFlowJs(string file)
    {
        KerasExpected expected = KerasExpected.Load(Path.Combine(KerasFixtures.PublicDirectory, file + ".expected.json"));
        string type = "KerasPublic." + KerasFixtures.Pascal(file);
        IModel model = KerasFixtures.Models.Create(type);
        string weights = KerasFixtures.Models.WeightsOf(type);
        if (File.Exists(weights))
        {
            model.LoadWeights(weights);
        }
        else
        {
            model.LoadKerasWeights(Path.Combine(KerasFixtures.PublicDirectory, file)); // a weights-only file
        }

        KerasFixtures.AssertClose(expected.Y, KerasFixtures.Predict(model, expected.X, expected.Batch), file);

        // The file read directly gives the same weights as the import.
        IModel direct = KerasFixtures.Models.Create(type);
        direct.LoadKerasWeights(Path.Combine(KerasFixtures.PublicDirectory, file));
        Assert.Equal(model.GetWeights(), direct.GetWeights());
    }

    private static string WithoutComments(string modelFile) =>
        string.Join("\n", modelFile.Split('\n').Where(line => !line.StartsWith('#')));
}
