using System;
using System.ComponentModel;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>Inverted dropout (Keras): kept units are scaled by <c>1 / (1 - rate)</c> in training; identity in inference. For generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Dropout
{
    /// <summary>Fills <paramref name="mask"/> with 0 (dropped, probability <paramref name="rate"/>) or <c>1 / (1 - rate)</c> (kept).</summary>
    /// <param name="mask">The mask to fill, one value per activation.</param>
    /// <param name="rate">The fraction to drop, in [0, 1).</param>
    /// <param name="random">The generator (advanced by one draw per value).</param>
    public static void GenerateMask(Span<float> mask, float rate, ref ModelRandom random)
    {
        if (!(rate >= 0f && rate < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be in [0, 1).");
        }

        float keep = 1f / (1f - rate);
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextFloat() < rate ? 0f : keep;
        }
    }

    /// <summary><c>y = x · mask</c> (training-mode forward).</summary>
    /// <param name="x">Input.</param>
    /// <param name="mask">The mask from <see cref="GenerateMask"/>.</param>
    /// <param name="y">Output; may be <paramref name="x"/>.</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y) =>
        Elementwise.Map(default(MultiplyOperator), x, mask, y, SimdDispatch.Best);

    /// <summary><c>dx = dy · mask</c>.</summary>
    /// <param name="dy">Upstream gradient.</param>
    /// <param name="mask">The mask used in the forward pass.</param>
    /// <param name="dx">Result; may be <paramref name="dy"/>.</param>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx) =>
        Elementwise.Map(default(MultiplyOperator), dy, mask, dx, SimdDispatch.Best);
}
