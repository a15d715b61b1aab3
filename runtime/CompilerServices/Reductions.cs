using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>Reductions with a fixed order: sums are sequential in double, so they do not depend on the SIMD width.</summary>
internal static class Reductions
{
    /// <summary>The largest value (order does not matter for a maximum); -∞ for an empty span.</summary>
    public static float Max(ReadOnlySpan<float> x, SimdWidth width)
    {
        float max = float.NegativeInfinity;
        int i = 0;
        if (width >= SimdWidth.V512) i = MaxBody<Vector512<float>, Vector512Ops>(x, ref max, i);
        if (width >= SimdWidth.V256) i = MaxBody<Vector256<float>, Vector256Ops>(x, ref max, i);
        if (width >= SimdWidth.V128) i = MaxBody<Vector128<float>, Vector128Ops>(x, ref max, i);
        for (; i < x.Length; i++)
        {
            max = MathF.Max(max, x[i]);
        }

        return max;
    }

    /// <summary>Σ x, accumulated in double in index order.</summary>
    public static double SumDouble(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i];
        }

        return sum;
    }

    /// <summary>Σ a·b, accumulated in double in index order.</summary>
    public static double DotDouble(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        b = b.Slice(0, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MaxBody<TVec, TOps>(ReadOnlySpan<float> x, ref float max, int i)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = x.Length - TOps.Count;
        if (i > last)
        {
            return i;
        }

        TVec acc = TOps.Load(x, i);
        for (i += TOps.Count; i <= last; i += TOps.Count)
        {
            acc = TOps.Max(acc, TOps.Load(x, i));
        }

        max = MathF.Max(max, TOps.MaxAcross(acc));
        return i;
    }
}
