using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.CompilerServices.Simd;

/// <summary>An elementwise function of one input (an operator struct may carry parameters in fields).</summary>
internal interface IUnaryOperator
{
    /// <summary>Applies the function to every lane.</summary>
    TVec Invoke<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>;
}

/// <summary>An elementwise function of two inputs.</summary>
internal interface IBinaryOperator
{
    /// <summary>Applies the function to every pair of lanes.</summary>
    TVec Invoke<TVec, TOps>(TVec a, TVec b)
        where TVec : struct
        where TOps : ISimdOps<TVec>;
}

/// <summary>
/// Drivers for elementwise operators: full vectors of the widest allowed width, then narrower widths, then the
/// scalar reference for the tail. Which path handles an element depends only on its index and the length,
/// never on the buffer's address. The output may be the same span as an input (exact overlap only).
/// </summary>
internal static class Elementwise
{
    /// <summary><c>y[i] = op(x[i])</c>.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, SimdWidth width)
        where TOp : struct, IUnaryOperator
    {
        Check.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        int i = 0;
        if (width >= SimdWidth.V512) i = MapBody<TOp, Vector512<float>, Vector512Ops>(op, x, y, i);
        if (width >= SimdWidth.V256) i = MapBody<TOp, Vector256<float>, Vector256Ops>(op, x, y, i);
        if (width >= SimdWidth.V128) i = MapBody<TOp, Vector128<float>, Vector128Ops>(op, x, y, i);
        MapBody<TOp, float, ScalarOps>(op, x, y, i);
    }

    /// <summary><c>y[i] = op(a[i], b[i])</c>.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, SimdWidth width)
        where TOp : struct, IBinaryOperator
    {
        Check.SameLength(a.Length, y.Length, "input", "output");
        Check.SameLength(b.Length, y.Length, "input", "output");
        int i = 0;
        if (width >= SimdWidth.V512) i = MapBody<TOp, Vector512<float>, Vector512Ops>(op, a, b, y, i);
        if (width >= SimdWidth.V256) i = MapBody<TOp, Vector256<float>, Vector256Ops>(op, a, b, y, i);
        if (width >= SimdWidth.V128) i = MapBody<TOp, Vector128<float>, Vector128Ops>(op, a, b, y, i);
        MapBody<TOp, float, ScalarOps>(op, a, b, y, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MapBody<TOp, TVec, TOps>(TOp op, ReadOnlySpan<float> x, Span<float> y, int i)
        where TOp : struct, IUnaryOperator
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = x.Length - TOps.Count;
        for (; i <= last; i += TOps.Count)
        {
            TOps.Store(op.Invoke<TVec, TOps>(TOps.Load(x, i)), y, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MapBody<TOp, TVec, TOps>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int i)
        where TOp : struct, IBinaryOperator
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = a.Length - TOps.Count;
        for (; i <= last; i += TOps.Count)
        {
            TOps.Store(op.Invoke<TVec, TOps>(TOps.Load(a, i), TOps.Load(b, i)), y, i);
        }

        return i;
    }
}
