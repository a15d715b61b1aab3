using System;
using System.Runtime.Intrinsics;
using System.ComponentModel;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Activation functions and their gradients on row-major <c>[rows, features]</c> spans, for generated code.
/// Elementwise functions ignore the row structure; softmax works per row and is numerically stable.
/// An output span may be the same span as an input (in-place); partial overlap is not supported.
/// Allocation-free; SIMD over the widest accelerated width with a scalar tail.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    /// <summary>Whether <see cref="Backward(Activation, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int)"/>
    /// reads the activation's input <c>x</c> (<see cref="Activation.Gelu"/>, <see cref="Activation.Swish"/>);
    /// every other activation's gradient is computed from its output <c>y</c> alone.</summary>
    /// <param name="activation">The activation.</param>
    /// <returns><see langword="true"/> when the backward pass needs <c>x</c>.</returns>
    internal static bool BackwardNeedsInput(Activation activation) => activation is Activation.Gelu or Activation.Swish;

    /// <summary><c>y = f(x)</c> for any <see cref="Activation"/>.</summary>
    /// <param name="activation">The activation.</param>
    /// <param name="x">The input, <c>[rows, features]</c>.</param>
    /// <param name="y">The output, same length as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    /// <param name="features">Values per row (used by softmax only; any positive divisor of the length otherwise).</param>
    public static void Forward(Activation activation, ReadOnlySpan<float> x, Span<float> y, int features) =>
        Forward(activation, x, y, features, SimdDispatch.Best);

    /// <summary><c>dx = dy · f'(x)</c> for any <see cref="Activation"/>, given the forward pass's input and/or output.</summary>
    /// <param name="activation">The activation.</param>
    /// <param name="x">The forward input; read only when <see cref="BackwardNeedsInput"/> says so (may be empty otherwise).</param>
    /// <param name="y">The forward output; read for every activation except Gelu and Swish (may be empty for those).</param>
    /// <param name="dy">The upstream gradient dL/dy.</param>
    /// <param name="dx">Receives dL/dx; may be <paramref name="dy"/> itself.</param>
    /// <param name="features">Values per row (softmax's Jacobian is per row).</param>
    public static void Backward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int features) =>
        Backward(activation, x, y, dy, dx, features, SimdDispatch.Best);

    /// <summary><c>y = max(x, 0)</c>.</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Relu(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(ReluOperator), x, y, SimdDispatch.Best);

    /// <summary><c>dx = dy</c> where <c>y &gt; 0</c>, else 0.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(ReluBackwardOperator), y, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = x</c> for x &gt; 0, else <c>0.2 x</c> (Keras 3's default slope).</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(LeakyReluOperator), x, y, SimdDispatch.Best);

    /// <summary>Gradient of <see cref="LeakyRelu"/> from its output.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void LeakyReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(LeakyReluBackwardOperator), y, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = x</c> for x &gt; 0, else <c>e^x - 1</c> (alpha 1).</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Elu(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(EluOperator), x, y, SimdDispatch.Best);

    /// <summary>Gradient of <see cref="Elu"/> from its output.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void EluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(EluBackwardOperator), y, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = tanh(x)</c>.</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(TanhOperator), x, y, SimdDispatch.Best);

    /// <summary><c>dx = dy (1 - y²)</c>.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(TanhBackwardOperator), y, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = 1 / (1 + e^-x)</c>.</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(SigmoidOperator), x, y, SimdDispatch.Best);

    /// <summary><c>dx = dy y (1 - y)</c>.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(SigmoidBackwardOperator), y, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = x Φ(x)</c>, the exact (erf) GELU, Keras's default <c>approximate=False</c>.</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Gelu(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(GeluOperator), x, y, SimdDispatch.Best);

    /// <summary><c>dx = dy (Φ(x) + x φ(x))</c>; needs the forward input.</summary>
    /// <param name="x">Forward input.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(GeluBackwardOperator), x, dy, dx, SimdDispatch.Best);

    /// <summary><c>y = x σ(x)</c> (a.k.a. SiLU).</summary>
    /// <param name="x">Input.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    internal static void Swish(ReadOnlySpan<float> x, Span<float> y) => Elementwise.Map(default(SwishOperator), x, y, SimdDispatch.Best);

    /// <summary><c>dx = dy σ(x) (1 + x (1 - σ(x)))</c>; needs the forward input.</summary>
    /// <param name="x">Forward input.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    internal static void SwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) =>
        Elementwise.Map(default(SwishBackwardOperator), x, dy, dx, SimdDispatch.Best);

    /// <summary>Softmax of every row: <c>e^(x - max) / Σ e^(x - max)</c>; the sum is taken in double, in index order.</summary>
    /// <param name="x">Input, <c>[rows, features]</c>.</param><param name="y">Output (may be <paramref name="x"/>).</param>
    /// <param name="features">Values per row.</param>
    internal static void Softmax(ReadOnlySpan<float> x, Span<float> y, int features) => Softmax(x, y, features, SimdDispatch.Best);

    /// <summary>The softmax Jacobian-vector product per row: <c>dx = y ⊙ (dy - Σ dy·y)</c>.</summary>
    /// <param name="y">Forward output.</param><param name="dy">Upstream gradient.</param><param name="dx">Result (may be <paramref name="dy"/>).</param>
    /// <param name="features">Values per row.</param>
    internal static void SoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int features) =>
        SoftmaxBackward(y, dy, dx, features, SimdDispatch.Best);

    internal static void Forward(Activation activation, ReadOnlySpan<float> x, Span<float> y, int features, SimdWidth width)
    {
        switch (activation)
        {
            case Activation.Linear: Elementwise.Map(default(CopyOperator), x, y, width); break;
            case Activation.Relu: Elementwise.Map(default(ReluOperator), x, y, width); break;
            case Activation.Tanh: Elementwise.Map(default(TanhOperator), x, y, width); break;
            case Activation.Sigmoid: Elementwise.Map(default(SigmoidOperator), x, y, width); break;
            case Activation.Softmax: Softmax(x, y, features, width); break;
            case Activation.Elu: Elementwise.Map(default(EluOperator), x, y, width); break;
            case Activation.LeakyRelu: Elementwise.Map(default(LeakyReluOperator), x, y, width); break;
            case Activation.Gelu: Elementwise.Map(default(GeluOperator), x, y, width); break;
            case Activation.Swish: Elementwise.Map(default(SwishOperator), x, y, width); break;
            case Activation.Selu: Elementwise.Map(default(SeluOperator), x, y, width); break;
            case Activation.Softplus: Elementwise.Map(default(SoftplusOperator), x, y, width); break;
            case Activation.HardSigmoid: Elementwise.Map(new HardSigmoidOperator(HardSigmoidOperator.Keras3Slope), x, y, width); break;
            case Activation.HardSigmoidKeras2: Elementwise.Map(new HardSigmoidOperator(HardSigmoidOperator.Keras2Slope), x, y, width); break;
            default: throw UnknownActivation(activation);
        }
    }

    internal static void Backward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int features, SimdWidth width)
    {
        switch (activation)
        {
            case Activation.Linear: Elementwise.Map(default(CopyOperator), dy, dx, width); break;
            case Activation.Relu: Elementwise.Map(default(ReluBackwardOperator), y, dy, dx, width); break;
            case Activation.Tanh: Elementwise.Map(default(TanhBackwardOperator), y, dy, dx, width); break;
            case Activation.Sigmoid: Elementwise.Map(default(SigmoidBackwardOperator), y, dy, dx, width); break;
            case Activation.Softmax: SoftmaxBackward(y, dy, dx, features, width); break;
            case Activation.Elu: Elementwise.Map(default(EluBackwardOperator), y, dy, dx, width); break;
            case Activation.LeakyRelu: Elementwise.Map(default(LeakyReluBackwardOperator), y, dy, dx, width); break;
            case Activation.Gelu: Elementwise.Map(default(GeluBackwardOperator), x, dy, dx, width); break;
            case Activation.Swish: Elementwise.Map(default(SwishBackwardOperator), x, dy, dx, width); break;
            case Activation.Selu: Elementwise.Map(default(SeluBackwardOperator), y, dy, dx, width); break;
            case Activation.Softplus: Elementwise.Map(default(SoftplusBackwardOperator), y, dy, dx, width); break;
            case Activation.HardSigmoid: Elementwise.Map(new HardSigmoidBackwardOperator(HardSigmoidOperator.Keras3Slope), y, dy, dx, width); break;
            case Activation.HardSigmoidKeras2: Elementwise.Map(new HardSigmoidBackwardOperator(HardSigmoidOperator.Keras2Slope), y, dy, dx, width); break;
            default: throw UnknownActivation(activation);
        }
    }

    internal static void Softmax(ReadOnlySpan<float> x, Span<float> y, int features, SimdWidth width)
    {
        Check.SameLength(x.Length, y.Length, nameof(x), nameof(y));
        int rows = Check.Rows(x.Length, features, nameof(x));
        if (features < Vector128<float>.Count)
        {
            // Rows narrower than any vector (a 2-class output): every path below is scalar for them, so the same
            // operations in one loop, without three calls and the width cascade per row (256 rows of 2: 6 µs → 2).
            SoftmaxNarrow(x, y, rows, features);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * features, features);
            Span<float> yr = y.Slice(r * features, features);
            float max = Reductions.Max(xr, width);
            Elementwise.Map(new ExpShiftedOperator(max), xr, yr, width);
            double sum = Reductions.SumDouble(yr);
            Elementwise.Map(new DivideByOperator((float)sum), yr, yr, width);
        }
    }

    /// <summary>Softmax of rows of fewer than 4 values: what <see cref="Softmax(ReadOnlySpan{float}, Span{float}, int, SimdWidth)"/>
    /// computes for them (max, <c>MathF.Exp(x - max)</c>, the sum in double in index order, division by the sum as a float).</summary>
    private static void SoftmaxNarrow(ReadOnlySpan<float> x, Span<float> y, int rows, int features)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * features;
            float max = float.NegativeInfinity;
            for (int c = 0; c < features; c++)
            {
                max = MathF.Max(max, x[o + c]);
            }

            double sum = 0;
            for (int c = 0; c < features; c++)
            {
                float e = MathF.Exp(x[o + c] - max);
                y[o + c] = e;
                sum += e;
            }

            float divisor = (float)sum;
            for (int c = 0; c < features; c++)
            {
                y[o + c] /= divisor;
            }
        }
    }

    internal static void SoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int features, SimdWidth width)
    {
        Check.SameLength(dy.Length, y.Length, nameof(dy), nameof(y));
        Check.SameLength(dx.Length, y.Length, nameof(dx), nameof(y));
        int rows = Check.Rows(y.Length, features, nameof(y));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yr = y.Slice(r * features, features);
            ReadOnlySpan<float> dyr = dy.Slice(r * features, features);
            float dot = (float)Reductions.DotDouble(yr, dyr);
            Elementwise.Map(new SoftmaxBackwardOperator(dot), yr, dyr, dx.Slice(r * features, features), width);
        }
    }

    private static ArgumentOutOfRangeException UnknownActivation(Activation activation) =>
        new(nameof(activation), activation, "Unknown activation.");
}
