using System;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>BatchNormalization's training backward against finite differences of the training forward, incl. center/scale off.</summary>
public class BatchNormalizationGradientTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void TrainingBackwardMatchesFiniteDifferences(bool center, bool scale)
    {
        const int rows = 6, features = 5;
        float[] x = TestData.RandomFloats(rows * features, 21, scale: 2f);
        float[] gamma = scale ? TestData.RandomFloats(features, 22) : Array.Empty<float>();
        float[] beta = center ? TestData.RandomFloats(features, 23) : Array.Empty<float>();
        float[] g = TestData.RandomFloats(rows * features, 24);

        double Loss(float[] xs, float[] gs, float[] bs)
        {
            var y = new float[xs.Length];
            BatchNormalization.ForwardTraining(xs, y, rows, features, gs, bs, 1e-3f, 0.99f,
                new float[features], new float[features], new float[features], new float[features], default);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)y[i] * g[i];
            return sum;
        }

        var mean = new float[features];
        var inverseStd = new float[features];
        BatchNormalization.ForwardTraining(x, new float[x.Length], rows, features, gamma, beta, 1e-3f, 0.99f,
            new float[features], new float[features], mean, inverseStd, default);
        var dx = new float[x.Length];
        float[] dgamma = scale ? new float[features] : Array.Empty<float>();
        float[] dbeta = center ? new float[features] : Array.Empty<float>();
        BatchNormalization.BackwardTrainingFromInput(x, mean, g, dx, rows, features, gamma, inverseStd, dgamma, dbeta, accumulate: false);

        GradientCheck.AssertMatches(x, dx, xs => Loss(xs, gamma, beta), "dx");
        if (scale) GradientCheck.AssertMatches(gamma, dgamma, gs => Loss(x, gs, beta), "dgamma");
        if (center) GradientCheck.AssertMatches(beta, dbeta, bs => Loss(x, gamma, bs), "dbeta");
    }

    [Fact]
    public void TheGradientSumsToZeroOverTheBatch()
    {
        // Σ_rows dx = 0 per feature: the mean is differentiated through (a missing term breaks this).
        const int rows = 9, features = 4;
        float[] x = TestData.RandomFloats(rows * features, 31), g = TestData.RandomFloats(rows * features, 32);
        var xhat = new float[x.Length];
        var inverseStd = new float[features];
        BatchNormalization.ForwardTraining(x, new float[x.Length], rows, features, default, default, 1e-3f, 0.99f,
            new float[features], new float[features], new float[features], inverseStd, xhat);
        var dx = new float[x.Length];
        BatchNormalization.BackwardTraining(xhat, g, dx, rows, features, default, inverseStd, default, default, false);
        for (int f = 0; f < features; f++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                sum += dx[r * features + f];
            }

            Assert.Equal(0, sum, 5);
        }
    }
}
