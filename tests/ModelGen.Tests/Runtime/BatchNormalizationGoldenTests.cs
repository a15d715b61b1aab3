using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>BatchNormalization against golden/bn_ops.json (Keras semantics), every case, every SIMD width.</summary>
public class BatchNormalizationGoldenTests
{
    private static readonly string[] CaseNames =
    {
        "bn_batch1_1x3", "bn_4x3", "bn_32x50", "bn_7x5_center_false", "bn_7x5_scale_false",
        "bn_7x5_center_false_scale_false", "bn_16x6_momentum0.9_eps1e-5", "bn_20x4_large_mean", "bn_nhwc_2x3x3x4",
    };

    public static IEnumerable<object[]> Cases() =>
        from name in CaseNames from width in TestData.AllWidths select new object[] { name, width };

    [Fact]
    public void TheGoldenFileHasTheExpectedCases()
    {
        using JsonDocument doc = TestData.LoadGolden("bn_ops.json");
        string[] names = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(CaseNames, names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    internal void TrainingForwardMatchesKeras(string name, SimdWidth width)
    {
        var c = GoldenCase.Load(name);
        float[] movingMean = (float[])c.MovingMean.Clone(), movingVariance = (float[])c.MovingVariance.Clone();
        var y = new float[c.X.Length];
        var xhat = new float[c.X.Length];
        var mean = new float[c.Features];
        var inverseStd = new float[c.Features];
        BatchNormalization.ForwardTraining(c.X, y, c.Rows, c.Features, c.Gamma, c.Beta, c.Epsilon, c.Momentum,
            movingMean, movingVariance, mean, inverseStd, xhat, width);

        TestData.AssertClose(c.Expected("training", "y"), y, c.Tolerance, "y");
        TestData.AssertClose(c.Expected("training", "batch_mean"), mean, c.Tolerance, "batch_mean");
        TestData.AssertClose(c.Expected("training", "moving_mean_after"), movingMean, c.Tolerance, "moving_mean_after");
        TestData.AssertClose(c.Expected("training", "moving_variance_after"), movingVariance, c.Tolerance, "moving_variance_after");
        double[] variance = c.Expected("training", "batch_variance");
        for (int f = 0; f < c.Features; f++)
        {
            Assert.Equal(1 / Math.Sqrt(variance[f] + c.Epsilon), inverseStd[f], c.Tolerance * 10);
        }

        var momentsMean = new float[c.Features];
        var momentsVariance = new float[c.Features];
        BatchNormalization.Moments(c.X, c.Rows, c.Features, momentsMean, momentsVariance);
        TestData.AssertClose(variance, momentsVariance, c.Tolerance, "batch_variance");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    internal void TrainingBackwardMatchesKeras(string name, SimdWidth width)
    {
        var c = GoldenCase.Load(name);
        var y = new float[c.X.Length];
        var xhat = new float[c.X.Length];
        var mean = new float[c.Features];
        var inverseStd = new float[c.Features];
        BatchNormalization.ForwardTraining(c.X, y, c.Rows, c.Features, c.Gamma, c.Beta, c.Epsilon, c.Momentum,
            (float[])c.MovingMean.Clone(), (float[])c.MovingVariance.Clone(), mean, inverseStd, xhat, width);

        // From the saved xhat ...
        var dx = new float[c.X.Length];
        float[] dgamma = c.Gamma.Length == 0 ? Array.Empty<float>() : new float[c.Features];
        float[] dbeta = c.Beta.Length == 0 ? Array.Empty<float>() : new float[c.Features];
        BatchNormalization.BackwardTraining<BatchNormalization.GivenXhat>(xhat, default, c.Dy, dx, c.Rows, c.Features, c.Gamma, inverseStd, dgamma, dbeta, false, width);
        c.AssertGradients("training", dx, dgamma, dbeta);

        // ... and from the input, recomputing xhat.
        Array.Clear(dx);
        BatchNormalization.BackwardTraining<BatchNormalization.FromInput>(c.X, mean, c.Dy, dx, c.Rows, c.Features, c.Gamma, inverseStd, dgamma, dbeta, false, width);
        c.AssertGradients("training", dx, dgamma, dbeta);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    internal void InferenceMatchesKeras(string name, SimdWidth width)
    {
        var c = GoldenCase.Load(name);
        var y = new float[c.X.Length];
        BatchNormalization.ForwardInference(c.X, y, c.Rows, c.Features, c.Gamma, c.Beta, c.MovingMean, c.MovingVariance, c.Epsilon, width);
        TestData.AssertClose(c.Expected("inference", "y"), y, c.Tolerance, "y");

        var dx = new float[c.X.Length];
        float[] dgamma = c.Gamma.Length == 0 ? Array.Empty<float>() : new float[c.Features];
        float[] dbeta = c.Beta.Length == 0 ? Array.Empty<float>() : new float[c.Features];
        BatchNormalization.BackwardInference(c.X, c.Dy, dx, c.Rows, c.Features, c.Gamma, c.MovingMean, c.MovingVariance, c.Epsilon, dgamma, dbeta, false, width);
        c.AssertGradients("inference", dx, dgamma, dbeta);
    }

    [Fact]
    public void ParameterGradientsAccumulateWhenAsked()
    {
        var c = GoldenCase.Load("bn_4x3");
        var xhat = new float[c.X.Length];
        var inverseStd = new float[c.Features];
        BatchNormalization.ForwardTraining(c.X, new float[c.X.Length], c.Rows, c.Features, c.Gamma, c.Beta, c.Epsilon, c.Momentum,
            (float[])c.MovingMean.Clone(), (float[])c.MovingVariance.Clone(), new float[c.Features], inverseStd, xhat);
        var dgamma = new float[] { 1, 2, 3 };
        var dbeta = new float[] { -1, -2, -3 };
        BatchNormalization.BackwardTraining(xhat, c.Dy, new float[c.X.Length], c.Rows, c.Features, c.Gamma, inverseStd, dgamma, dbeta, accumulate: true);
        double[] expectedGamma = c.Expected("training", "dgamma"), expectedBeta = c.Expected("training", "dbeta");
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(expectedGamma[f] + f + 1, dgamma[f], 1e-5);
            Assert.Equal(expectedBeta[f] - f - 1, dbeta[f], 1e-5);
        }
    }

    [Fact]
    public void WrongSizesNameWhatWasExpected()
    {
        var ex = Assert.Throws<ArgumentException>(() => BatchNormalization.ForwardInference(
            new float[12], new float[12], 4, 3, new float[2], default, new float[3], new float[3], 1e-3f));
        Assert.Contains("gamma has 2 values, expected 3", ex.Message);
    }

    private sealed class GoldenCase
    {
        private JsonElement _root;

        public float[] X = null!, Gamma = null!, Beta = null!, MovingMean = null!, MovingVariance = null!, Dy = null!;
        public int Rows, Features;
        public float Epsilon, Momentum;
        public double Tolerance;

        public static GoldenCase Load(string name)
        {
            using JsonDocument doc = TestData.LoadGolden("bn_ops.json");
            JsonElement root = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).Clone();
            int[] shape = root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            JsonElement inputs = root.GetProperty("inputs"), layer = root.GetProperty("layer");
            float[] Input(string key) => inputs.TryGetProperty(key, out JsonElement e) ? TestData.ToFloat(TestData.Flatten(e)) : Array.Empty<float>();
            return new GoldenCase
            {
                _root = root,
                X = Input("x"), Gamma = Input("gamma"), Beta = Input("beta"),
                MovingMean = Input("moving_mean"), MovingVariance = Input("moving_variance"), Dy = Input("dy"),
                Features = shape[^1],
                Rows = shape[..^1].Aggregate(1, (a, b) => a * b),
                Epsilon = (float)layer.GetProperty("epsilon").GetDouble(),
                Momentum = (float)layer.GetProperty("momentum").GetDouble(),
                Tolerance = name == "bn_20x4_large_mean" ? 2e-3 : 1e-5,
            };
        }

        public double[] Expected(string mode, string key) => TestData.Flatten(_root.GetProperty(mode).GetProperty(key));

        public bool Has(string mode, string key) => _root.GetProperty(mode).TryGetProperty(key, out _);

        public void AssertGradients(string mode, float[] dx, float[] dgamma, float[] dbeta)
        {
            TestData.AssertClose(Expected(mode, "dx"), dx, Tolerance, mode + ".dx");
            Assert.Equal(Has(mode, "dgamma"), dgamma.Length > 0);
            Assert.Equal(Has(mode, "dbeta"), dbeta.Length > 0);
            if (dgamma.Length > 0) TestData.AssertClose(Expected(mode, "dgamma"), dgamma, Tolerance, mode + ".dgamma");
            if (dbeta.Length > 0) TestData.AssertClose(Expected(mode, "dbeta"), dbeta, Tolerance, mode + ".dbeta");
        }
    }
}
