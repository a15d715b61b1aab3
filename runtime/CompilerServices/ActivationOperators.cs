using System;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

// Forward operators take x; backward operators take (y or x, dy) as documented on each.
// Keras 3's constants: leaky_relu negative slope 0.2, elu alpha 1, gelu exact (erf) form.

internal readonly struct CopyOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => x;
}

internal readonly struct ReluOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Max(x, TOps.Create(0f));
}

/// <summary>(y, dy) → dy where y &gt; 0 (the gradient at 0 is 0, as in TensorFlow).</summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(TOps.GreaterThan(y, TOps.Create(0f)), dy, TOps.Create(0f));
}

internal readonly struct LeakyReluOperator : IUnaryOperator
{
    public const float Slope = 0.2f;

    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(TOps.GreaterThan(x, TOps.Create(0f)), x, TOps.Multiply(x, TOps.Create(Slope)));
}

/// <summary>(y, dy): y has the sign of x.</summary>
internal readonly struct LeakyReluBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(TOps.GreaterThan(y, TOps.Create(0f)), dy, TOps.Multiply(dy, TOps.Create(LeakyReluOperator.Slope)));
}

internal readonly struct EluOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(TOps.GreaterThan(x, TOps.Create(0f)), x, TOps.Subtract(TOps.Exp(x), TOps.Create(1f)));
}

/// <summary>(y, dy): for x ≤ 0, d/dx (e^x - 1) = e^x = y + 1.</summary>
internal readonly struct EluBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(TOps.GreaterThan(y, TOps.Create(0f)), dy, TOps.Multiply(dy, TOps.Add(y, TOps.Create(1f))));
}

/// <summary>Keras's selu: <c>scale · x</c> for x &gt; 0, else <c>scale · alpha · (e^x - 1)</c>.</summary>
internal readonly struct SeluOperator : IUnaryOperator
{
    public const float Alpha = 1.6732632423543772f;
    public const float Scale = 1.0507009873554805f;

    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(TOps.Create(Scale), TOps.Select(TOps.GreaterThan(x, TOps.Create(0f)), x, TOps.Multiply(TOps.Create(Alpha), TOps.Subtract(TOps.Exp(x), TOps.Create(1f)))));
}

/// <summary>(y, dy): y has the sign of x; for x ≤ 0, d/dx = scale · alpha · e^x = y + scale · alpha.</summary>
internal readonly struct SeluBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(
            TOps.GreaterThan(y, TOps.Create(0f)),
            TOps.Multiply(dy, TOps.Create(SeluOperator.Scale)),
            TOps.Multiply(dy, TOps.Add(y, TOps.Create(SeluOperator.Scale * SeluOperator.Alpha))));
}

/// <summary>softplus <c>ln(1 + e^x)</c> as TensorFlow computes it in float32: <c>x</c> above 13.94 (where
/// <c>1 + e^-x</c> rounds to 1), <c>e^x</c> below -13.94, <c>ln(1 + e^x)</c> between.</summary>
internal readonly struct SoftplusOperator : IUnaryOperator
{
    public const float Threshold = 13.942385f; // -(ln(float epsilon) + 2), TensorFlow's

    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec e = TOps.Exp(TOps.Min(x, TOps.Create(Threshold)));
        TVec middle = TOps.Log(TOps.Add(TOps.Create(1f), e));
        return TOps.Select(TOps.GreaterThan(x, TOps.Create(Threshold)), x, TOps.Select(TOps.GreaterThan(TOps.Create(-Threshold), x), e, middle));
    }
}

/// <summary>(y, dy) → dy · sigmoid(x) = dy · (1 - e^-y).</summary>
internal readonly struct SoftplusBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(dy, TOps.Subtract(TOps.Create(1f), TOps.Exp(TOps.Subtract(TOps.Create(0f), y))));
}

/// <summary>A hard sigmoid <c>clip(slope · x + 0.5, 0, 1)</c>: Keras 3's <c>hard_sigmoid</c> is <c>relu6(x + 3) / 6</c>
/// (slope 1/6), Keras 2's <c>clip(0.2 x + 0.5, 0, 1)</c> (slope 0.2).</summary>
internal readonly struct HardSigmoidOperator(float slope) : IUnaryOperator
{
    public const float Keras3Slope = 1f / 6f;
    public const float Keras2Slope = 0.2f;

    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Min(TOps.Max(TOps.MultiplyAdd(x, TOps.Create(slope), TOps.Create(0.5f)), TOps.Create(0f)), TOps.Create(1f));
}

/// <summary>(y, dy) → dy · slope where 0 &lt; y &lt; 1, else 0 (flat beyond the clip).</summary>
internal readonly struct HardSigmoidBackwardOperator(float slope) : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Select(
            TOps.GreaterThan(y, TOps.Create(0f)),
            TOps.Select(TOps.GreaterThan(TOps.Create(1f), y), TOps.Multiply(dy, TOps.Create(slope)), TOps.Create(0f)),
            TOps.Create(0f));
}

internal readonly struct TanhOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Tanh(x);
}

/// <summary>(y, dy) → dy (1 - y²).</summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(dy, TOps.Subtract(TOps.Create(1f), TOps.Multiply(y, y)));
}

internal readonly struct SigmoidOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => SimdMath.Sigmoid<TVec, TOps>(x);
}

/// <summary>(y, dy) → dy y (1 - y).</summary>
internal readonly struct SigmoidBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(dy, TOps.Multiply(y, TOps.Subtract(TOps.Create(1f), y)));
}

/// <summary>x Φ(x) with Φ(x) = (1 + erf(x / √2)) / 2.</summary>
internal readonly struct GeluOperator : IUnaryOperator
{
    public const float InvSqrt2 = 0.70710678118654752f;
    public const float InvSqrt2Pi = 0.39894228040143268f;

    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec half = TOps.Create(0.5f);
        TVec erf = SimdMath.Erf<TVec, TOps>(TOps.Multiply(x, TOps.Create(InvSqrt2)));
        return TOps.Multiply(TOps.Multiply(half, x), TOps.Add(TOps.Create(1f), erf));
    }
}

/// <summary>(x, dy) → dy (Φ(x) + x φ(x)).</summary>
internal readonly struct GeluBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x, TVec dy) where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec half = TOps.Create(0.5f);
        TVec cdf = TOps.MultiplyAdd(half, SimdMath.Erf<TVec, TOps>(TOps.Multiply(x, TOps.Create(GeluOperator.InvSqrt2))), half);
        TVec pdf = TOps.Multiply(TOps.Create(GeluOperator.InvSqrt2Pi), TOps.Exp(TOps.Multiply(TOps.Create(-0.5f), TOps.Multiply(x, x))));
        return TOps.Multiply(dy, TOps.MultiplyAdd(x, pdf, cdf));
    }
}

/// <summary>x σ(x).</summary>
internal readonly struct SwishOperator : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(x, SimdMath.Sigmoid<TVec, TOps>(x));
}

/// <summary>(x, dy) → dy σ(x) (1 + x (1 - σ(x))).</summary>
internal readonly struct SwishBackwardOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x, TVec dy) where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec one = TOps.Create(1f);
        TVec s = SimdMath.Sigmoid<TVec, TOps>(x);
        return TOps.Multiply(dy, TOps.Multiply(s, TOps.MultiplyAdd(x, TOps.Subtract(one, s), one)));
    }
}

/// <summary>e^(x - shift), the softmax numerator.</summary>
internal readonly struct ExpShiftedOperator(float shift) : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Exp(TOps.Subtract(x, TOps.Create(shift)));
}

/// <summary>x / divisor.</summary>
internal readonly struct DivideByOperator(float divisor) : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Divide(x, TOps.Create(divisor));
}

/// <summary>x · factor.</summary>
internal readonly struct ScaleOperator(float factor) : IUnaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(x, TOps.Create(factor));
}

/// <summary>(y, dy) → y (dy - dot), the softmax Jacobian-vector product once <c>dot = Σ dy·y</c> is known.</summary>
internal readonly struct SoftmaxBackwardOperator(float dot) : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> =>
        TOps.Multiply(y, TOps.Subtract(dy, TOps.Create(dot)));
}

/// <summary>a · b.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public TVec Invoke<TVec, TOps>(TVec a, TVec b) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Multiply(a, b);
}
