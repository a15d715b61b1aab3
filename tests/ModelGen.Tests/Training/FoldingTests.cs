using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>
/// SPEC §5: at inference every BatchNormalization folds into a neighbouring Dense. Predict (folded) must equal a
/// plain double-precision layer-by-layer inference (unfolded) to 1e-5, for both BN placements, with non-trivial
/// moving statistics, gamma and beta; and the folded weights must follow every change of the weights.
/// </summary>
public class FoldingTests
{
    public static IEnumerable<object[]> Models() =>
    [
        ["samples/Circles/Models/BnAfterRelu.model", "Samples.Circles.BnAfterRelu"],
        ["samples/Circles/Models/BnBeforeRelu.model", "Samples.Circles.BnBeforeRelu"],
        ["tests/ModelGen.TestModels/Models/BatchNormAfterActivation.model", "ModelGen.TestModels.BatchNormAfterActivation"],
        ["tests/ModelGen.TestModels/Models/BatchNormCenterFalseScaleTrue.model", "ModelGen.TestModels.BatchNormCenterFalseScaleTrue"],
        ["tests/ModelGen.TestModels/Models/BatchNormCenterTrueScaleFalse.model", "ModelGen.TestModels.BatchNormCenterTrueScaleFalse"],
        ["tests/ModelGen.TestModels/Models/BatchNormCenterFalseScaleFalse.model", "ModelGen.TestModels.BatchNormCenterFalseScaleFalse"],
        ["tests/ModelGen.TestModels/Models/InputNormalizedDropout.model", "ModelGen.TestModels.InputNormalizedDropout"],
        ["tests/ModelGen.TestModels/Models/InferenceOnly.model", "ModelGen.TestModels.InferenceOnly"],
        ["tests/ModelGen.TestModels/Models/ConvValidNormalized.model", "ModelGen.TestModels.ConvValidNormalized"],
        ["tests/ModelGen.TestModels/Models/ConvSameStridedNormalized.model", "ModelGen.TestModels.ConvSameStridedNormalized"],
        ["tests/ModelGen.TestModels/Models/ConvIntoConvNormalized.model", "ModelGen.TestModels.ConvIntoConvNormalized"],
        ["tests/ModelGen.TestModels/Models/PointwiseConvOverlappingPool.model", "ModelGen.TestModels.PointwiseConvOverlappingPool"],
        ["tests/ModelGen.TestModels/Models/ConvRegression.model", "ModelGen.TestModels.ConvRegression"],
        ["tests/ModelGen.TestModels/Models/ConvBatchNormPool.model", "ModelGen.TestModels.ConvBatchNormPool"],
        ["tests/ModelGen.TestModels/Models/Conv1DValidNormalized.model", "ModelGen.TestModels.Conv1DValidNormalized"],
        ["tests/ModelGen.TestModels/Models/Conv1DSameStridedNormalized.model", "ModelGen.TestModels.Conv1DSameStridedNormalized"],
        ["samples/Digits/Models/BatchNormReluCnn.model", "Samples.Digits.BatchNormReluCnn"],
        ["tests/ModelGen.TestModels/Models/ConvGlobalAveragePool.model", "ModelGen.TestModels.ConvGlobalAveragePool"],
        ["tests/ModelGen.TestModels/Models/ConvAveragePoolGlobalMax.model", "ModelGen.TestModels.ConvAveragePoolGlobalMax"],
        ["tests/ModelGen.TestModels/Models/PoolingInference.model", "ModelGen.TestModels.PoolingInference"],
        ["tests/ModelGen.TestModels/Models/ImagePoolingInference.model", "ModelGen.TestModels.ImagePoolingInference"],
    ];

    private static IModel Create(string typeName)
    {
        Type type = new[] { typeof(Samples.Circles.NoBn).Assembly, typeof(Samples.Digits.BatchNormReluCnn).Assembly, typeof(ModelGen.TestModels.GoldenCircles).Assembly }
            .Select(a => a.GetType(typeName)).Single(t => t is not null)!;
        return (IModel)Activator.CreateInstance(type, 1)!;
    }

    /// <summary>Random weights of either sign, except moving variances, which are positive. Moving statistics far
    /// from 0 and 1 and gamma, beta far from 1 and 0 make a missed or half-done fold visible.</summary>
    private static float[][] RandomWeights(IModel model, int seed)
    {
        var random = new Random(seed);
        string[] names = (string[])model.GetType().GetField("s_tensorNames", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
        return model.GetWeights().Select((tensor, t) => tensor.Select(_ =>
        {
            float magnitude = (float)(random.NextDouble() * 1.6 + 0.2);
            return names[t].EndsWith("moving_variance", StringComparison.Ordinal) || random.Next(2) == 0 ? magnitude : -magnitude;
        }).ToArray()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void FoldedPredictionsEqualUnfoldedInference(string file, string typeName)
    {
        IModel model = Create(typeName);
        var reference = ReferenceModel.FromFile(Path.Combine(Repository.Root, file));
        float[][] weights = RandomWeights(model, seed: 3);
        model.SetWeights(weights);

        var random = new Random(5);
        float[] x = Enumerable.Range(0, 9 * model.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var y = new float[9 * model.OutputSize];
        model.Predict(x, y);
        double[] expected = reference.Predict(x, weights);

        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: folded {y[i]:R}, unfolded {expected[i]:R}");
        }
    }

    [Fact]
    public void FoldedWeightsFollowTrainingAndSetWeights()
    {
        var model = new Samples.Circles.BnAfterRelu(seed: 2);
        var reference = ReferenceModel.FromFile(Path.Combine(Repository.Root, "samples/Circles/Models/BnAfterRelu.model"));
        (float[] x, float[] labels) = CirclesData.Load(0, 64);
        var y = new float[64];

        model.Predict(x, y);                                   // folds the initial weights
        model.Fit(x, labels, new FitOptions { Epochs = 2, Verbose = 0 });
        model.Predict(x, y);                                   // must refold after training
        AssertClose(reference.Predict(x, model.GetWeights()), y);

        float[][] changed = model.GetWeights();
        changed[4] = changed[4].Select(m => m + 0.5f).ToArray(); // batch_normalization/moving_mean
        model.SetWeights(changed);
        model.Predict(x, y);                                   // and after SetWeights
        AssertClose(reference.Predict(x, changed), y);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
