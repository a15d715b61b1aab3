using System;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Central finite differences of a scalar function of a float vector, compared with an analytic gradient.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// For every i: (f(x + h e_i) - f(x - h e_i)) / 2h with h = 1e-3 · max(1, |x_i|), the perturbed value being exactly
    /// representable; the function is evaluated in float by the code under test but summed in double by the caller.
    /// </summary>
    public static void AssertMatches(float[] x, ReadOnlySpan<float> analytic, Func<float[], double> f, string what, double relative = 2e-2, double absolute = 2e-4)
    {
        Assert.Equal(x.Length, analytic.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float original = x[i];
            float h = 1e-3f * MathF.Max(1f, MathF.Abs(original));
            float up = original + h, down = original - h;
            x[i] = up;
            double fUp = f(x);
            x[i] = down;
            double fDown = f(x);
            x[i] = original;
            double numeric = (fUp - fDown) / ((double)up - down);
            double error = Math.Abs(numeric - analytic[i]);
            double tolerance = absolute + relative * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i]));
            if (!(error <= tolerance))
            {
                Assert.Fail($"{what}[{i}] at x={original:R}: analytic {analytic[i]:R}, numeric {numeric:R} (|error| {error:E2} > {tolerance:E2}).");
            }
        }
    }
}
