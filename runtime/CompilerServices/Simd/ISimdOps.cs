using System;
namespace ModelGen.CompilerServices.Simd;

/// <summary>
/// The operations a kernel needs from one vector width, as static members so that a kernel written once as a
/// generic method over <c>(TVec, TOps)</c> is specialized by the JIT for <see cref="float"/> (the scalar reference,
/// <see cref="ScalarOps"/>), <c>Vector128</c>, <c>Vector256</c> and <c>Vector512</c> with no virtual calls.
/// </summary>
/// <typeparam name="TVec">The vector type (<see cref="float"/> for the scalar path).</typeparam>
internal interface ISimdOps<TVec> where TVec : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Loads <see cref="Count"/> values starting at <paramref name="index"/> (bounds checked by the caller).</summary>
    static abstract TVec Load(ReadOnlySpan<float> source, int index);

    /// <summary>Stores <see cref="Count"/> values starting at <paramref name="index"/> (bounds checked by the caller).</summary>
    static abstract void Store(TVec value, Span<float> destination, int index);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVec Create(float value);

    /// <summary><c>a + b</c>.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary><c>a - b</c>.</summary>
    static abstract TVec Subtract(TVec a, TVec b);

    /// <summary><c>a * b</c>.</summary>
    static abstract TVec Multiply(TVec a, TVec b);

    /// <summary><c>a / b</c>.</summary>
    static abstract TVec Divide(TVec a, TVec b);

    /// <summary><c>a * b + c</c>, fused (one rounding) where the hardware has FMA for this width.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>Lane-wise maximum.</summary>
    static abstract TVec Max(TVec a, TVec b);

    /// <summary>Lane-wise minimum.</summary>
    static abstract TVec Min(TVec a, TVec b);

    /// <summary>Lane-wise maximum with the hardware's rule for NaN and signed zeros (one instruction; x86 gives
    /// <paramref name="b"/> where either is NaN, so a NaN in <paramref name="b"/> is kept).</summary>
    static abstract TVec MaxNative(TVec a, TVec b);

    /// <summary>Lane-wise minimum with the hardware's rule for NaN and signed zeros (see <see cref="MaxNative"/>).</summary>
    static abstract TVec MinNative(TVec a, TVec b);

    /// <summary>Lane-wise absolute value.</summary>
    static abstract TVec Abs(TVec a);

    /// <summary>Lane-wise square root (correctly rounded).</summary>
    static abstract TVec Sqrt(TVec a);

    /// <summary>All-ones lanes where <c>a &gt; b</c>, zero lanes elsewhere.</summary>
    static abstract TVec GreaterThan(TVec a, TVec b);

    /// <summary><paramref name="ifTrue"/> where <paramref name="mask"/> is all-ones, else <paramref name="ifFalse"/>.</summary>
    static abstract TVec Select(TVec mask, TVec ifTrue, TVec ifFalse);

    /// <summary><c>2^n</c> for lanes holding integral values in [-126, 127].</summary>
    static abstract TVec Pow2Integer(TVec n);

    /// <summary><c>e^x</c> (the scalar path uses <see cref="MathF.Exp"/>, vectors <see cref="SimdMath.Exp{TVec, TOps}"/>).</summary>
    static abstract TVec Exp(TVec x);

    /// <summary><c>ln(x)</c> lane by lane with <see cref="MathF.Log(float)"/> (only softplus needs it: no polynomial is worth
    /// its upkeep for one activation).</summary>
    static abstract TVec Log(TVec x);

    /// <summary><c>tanh(x)</c> (the scalar path uses <see cref="MathF.Tanh"/>, vectors <see cref="SimdMath.Tanh{TVec, TOps}"/>).</summary>
    static abstract TVec Tanh(TVec x);

    /// <summary>The sum of the lanes, in a fixed order.</summary>
    static abstract float Sum(TVec v);

    /// <summary>The largest lane.</summary>
    static abstract float MaxAcross(TVec v);
}
