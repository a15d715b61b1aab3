using System;
using System.Runtime.CompilerServices;

namespace ModelGen.CompilerServices.Simd;

/// <summary>
/// Transcendental functions written once over <see cref="ISimdOps{TVec}"/>. Float accuracy (a few ulp); the
/// polynomials are the classic Cephes single-precision ones, tanh's the rational one of Eigen and MLAS. Only +, ×,
/// ÷, min, max and selects: the same input gives the same bits on every run.
/// </summary>
internal static class SimdMath
{
    /// <summary><c>ln(x)</c> lane by lane with <see cref="MathF.Log(float)"/>, the scalar path's function (softplus is its only
    /// user: a polynomial is not worth its upkeep for one activation). The lanes go through the stack, no allocation.</summary>
    public static TVec Log<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        TOps.Store(x, lanes, 0);
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = MathF.Log(lanes[i]);
        }

        return TOps.Load(lanes, 0);
    }

    /// <summary><c>e^x</c>: range reduction <c>x = n ln2 + r</c>, a degree-6 polynomial for <c>e^r</c>, then <c>2^n</c>.
    /// Inputs are clamped to [-87.3, 88.37]: below, the result is ~1e-38 instead of 0; above, +∞.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        x = TOps.Min(TOps.Max(x, TOps.Create(-87.3f)), TOps.Create(88.37626f));

        // n = round(x / ln 2): adding and subtracting 1.5 * 2^23 rounds to the nearest integer (ties to even).
        TVec magic = TOps.Create(12582912f);
        TVec n = TOps.Subtract(TOps.MultiplyAdd(x, TOps.Create(1.44269504088896341f), magic), magic);

        // r = x - n ln 2, with ln 2 split in two for precision.
        TVec r = TOps.Subtract(x, TOps.Multiply(n, TOps.Create(0.693359375f)));
        r = TOps.Subtract(r, TOps.Multiply(n, TOps.Create(-2.12194440e-4f)));

        TVec p = TOps.Create(1.9875691500e-4f);
        p = TOps.MultiplyAdd(p, r, TOps.Create(1.3981999507e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Create(8.3334519073e-3f));
        p = TOps.MultiplyAdd(p, r, TOps.Create(4.1665795894e-2f));
        p = TOps.MultiplyAdd(p, r, TOps.Create(1.6666665459e-1f));
        p = TOps.MultiplyAdd(p, r, TOps.Create(5.0000001201e-1f));
        TVec r2 = TOps.Multiply(r, r);
        TVec e = TOps.Add(TOps.MultiplyAdd(p, r2, r), TOps.Create(1f));

        // 2^n for n = 128 is built as 2^127 * 2 so that the top of the range overflows to +inf like MathF.Exp.
        TVec n1 = TOps.Min(n, TOps.Create(127f));
        TVec scaled = TOps.Multiply(e, TOps.Pow2Integer(n1));
        return TOps.Select(TOps.GreaterThan(n, n1), TOps.Multiply(scaled, TOps.Create(2f)), scaled);
    }

    /// <summary>
    /// <c>tanh(x)</c>: the rational approximation of Eigen and ONNX Runtime's MLAS, an odd polynomial of degree 13
    /// over an even one of degree 6 on x clamped to [-9, 9] (where tanh is ±1 in single precision). Max error about
    /// 3e-7 relative (a few ulp), the result clamped to [-1, 1]. One division and 11 fused multiply-adds, against
    /// an <see cref="Exp{TVec, TOps}"/>, a division and both branches of a piecewise form: three times faster.
    /// NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Tanh<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        // The hardware's min and max (one instruction each), x second so that a NaN stays NaN.
        x = TOps.MinNative(TOps.Create(9f), TOps.MaxNative(TOps.Create(-9f), x));
        TVec x2 = TOps.Multiply(x, x);

        TVec p = TOps.MultiplyAdd(x2, TOps.Create(-2.76076847742355e-16f), TOps.Create(2.00018790482477e-13f));
        p = TOps.MultiplyAdd(x2, p, TOps.Create(-8.60467152213735e-11f));
        p = TOps.MultiplyAdd(x2, p, TOps.Create(5.12229709037114e-08f));
        p = TOps.MultiplyAdd(x2, p, TOps.Create(1.48572235717979e-05f));
        p = TOps.MultiplyAdd(x2, p, TOps.Create(6.37261928875436e-04f));
        p = TOps.MultiplyAdd(x2, p, TOps.Create(4.89352455891786e-03f));
        p = TOps.Multiply(p, x);

        TVec q = TOps.MultiplyAdd(x2, TOps.Create(1.19825839466702e-06f), TOps.Create(1.18534705686654e-04f));
        q = TOps.MultiplyAdd(x2, q, TOps.Create(2.26843463243900e-03f));
        q = TOps.MultiplyAdd(x2, q, TOps.Create(4.89352518554385e-03f));

        return TOps.MinNative(TOps.Create(1f), TOps.MaxNative(TOps.Create(-1f), TOps.Divide(p, q)));
    }

    /// <summary>The logistic function <c>1 / (1 + e^-x)</c>; 0 and 1 at the extremes, never NaN for finite x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Sigmoid<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec one = TOps.Create(1f);
        return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Subtract(TOps.Create(0f), x))));
    }

    /// <summary>
    /// The error function: <see cref="ErfApproximation"/>'s rational approximation (odd numerator of degree 13 over even
    /// denominator of degree 8) on [-4, 4], outside which erf is ±1 in single precision. The GPU kernels evaluate the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Erf<TVec, TOps>(TVec x)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        x = TOps.Min(TOps.Max(x, TOps.Create(-ErfApproximation.Limit)), TOps.Create(ErfApproximation.Limit));
        TVec x2 = TOps.Multiply(x, x);

        TVec p = TOps.Create((float)ErfApproximation.P6);
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P5));
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P4));
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P3));
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P2));
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P1));
        p = TOps.MultiplyAdd(x2, p, TOps.Create((float)ErfApproximation.P0));
        p = TOps.Multiply(x, p);

        TVec q = TOps.Create((float)ErfApproximation.Q4);
        q = TOps.MultiplyAdd(x2, q, TOps.Create((float)ErfApproximation.Q3));
        q = TOps.MultiplyAdd(x2, q, TOps.Create((float)ErfApproximation.Q2));
        q = TOps.MultiplyAdd(x2, q, TOps.Create((float)ErfApproximation.Q1));
        q = TOps.MultiplyAdd(x2, q, TOps.Create((float)ErfApproximation.Q0));

        return TOps.Divide(p, q);
    }
}
