using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>Keras's SGD and Adam updates on one parameter tensor, allocation-free, for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Optimizers
{
    /// <summary>Keras 2's time-based decay: <c>lr / (1 + decay · iterations)</c>, iterations counted from 0.</summary>
    /// <param name="learningRate">The initial learning rate.</param>
    /// <param name="decay">The decay.</param>
    /// <param name="iterations">Optimizer steps taken so far.</param>
    /// <returns>The learning rate for this step.</returns>
    public static float DecayedLearningRate(float learningRate, float decay, long iterations) =>
        decay == 0f ? learningRate : (float)(learningRate / (1.0 + (double)decay * iterations));

    /// <summary>
    /// Keras SGD: without momentum <c>w -= lr·g</c>; with momentum <c>v = momentum·v - lr·g; w += v</c>;
    /// with Nesterov <c>v = momentum·v - lr·g; w += momentum·v - lr·g</c>.
    /// </summary>
    /// <param name="weights">The parameters, updated in place.</param>
    /// <param name="gradient">dL/dw.</param>
    /// <param name="velocity">The momentum buffer (zeros at the start), updated in place; may be empty when momentum is 0.</param>
    /// <param name="learningRate">The learning rate for this step (see <see cref="DecayedLearningRate"/>).</param>
    /// <param name="momentum">Momentum in [0, 1].</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    public static void Sgd(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity, float learningRate, float momentum, bool nesterov) =>
        Sgd(weights, gradient, velocity, learningRate, momentum, nesterov, SimdDispatch.Best);

    /// <summary>
    /// Keras 3 Adam, step <paramref name="step"/> (1 for the first update):
    /// <c>m += (g - m)(1 - β1); v += (g² - v)(1 - β2); α = lr·sqrt(1 - β2^t)/(1 - β1^t); w -= α·m / (sqrt(v) + ε)</c>.
    /// </summary>
    /// <param name="weights">The parameters, updated in place.</param>
    /// <param name="gradient">dL/dw.</param>
    /// <param name="m">First-moment buffer (zeros at the start).</param>
    /// <param name="v">Second-moment buffer (zeros at the start).</param>
    /// <param name="learningRate">Learning rate (Keras default 0.001).</param>
    /// <param name="beta1">β1 (0.9).</param>
    /// <param name="beta2">β2 (0.999).</param>
    /// <param name="epsilon">ε (Keras default 1e-7).</param>
    /// <param name="step">The 1-based step number t.</param>
    public static void Adam(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v,
        float learningRate, float beta1, float beta2, float epsilon, long step) =>
        Adam(weights, gradient, m, v, learningRate, beta1, beta2, epsilon, step, SimdDispatch.Best);

    internal static void Sgd(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity, float learningRate, float momentum, bool nesterov, SimdWidth width)
    {
        Check.Length(gradient.Length, weights.Length, nameof(gradient), "the weights' length");
        if (momentum == 0f && velocity.IsEmpty)
        {
            var plain = new SgdArgs(learningRate, 0f, false);
            int j = 0;
            if (width >= SimdWidth.V512) j = PlainBody<Vector512<float>, Vector512Ops>(weights, gradient, plain, j);
            if (width >= SimdWidth.V256) j = PlainBody<Vector256<float>, Vector256Ops>(weights, gradient, plain, j);
            if (width >= SimdWidth.V128) j = PlainBody<Vector128<float>, Vector128Ops>(weights, gradient, plain, j);
            PlainBody<float, ScalarOps>(weights, gradient, plain, j);
            return;
        }

        Check.Length(velocity.Length, weights.Length, nameof(velocity), "the weights' length");
        var args = new SgdArgs(learningRate, momentum, nesterov);
        int i = 0;
        if (width >= SimdWidth.V512) i = MomentumBody<Vector512<float>, Vector512Ops>(weights, gradient, velocity, args, i);
        if (width >= SimdWidth.V256) i = MomentumBody<Vector256<float>, Vector256Ops>(weights, gradient, velocity, args, i);
        if (width >= SimdWidth.V128) i = MomentumBody<Vector128<float>, Vector128Ops>(weights, gradient, velocity, args, i);
        MomentumBody<float, ScalarOps>(weights, gradient, velocity, args, i);
    }

    internal static void Adam(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> m, Span<float> v,
        float learningRate, float beta1, float beta2, float epsilon, long step, SimdWidth width)
    {
        Check.Length(gradient.Length, weights.Length, nameof(gradient), "the weights' length");
        Check.Length(m.Length, weights.Length, nameof(m), "the weights' length");
        Check.Length(v.Length, weights.Length, nameof(v), "the weights' length");
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Adam's step number starts at 1.");
        }

        float alpha = (float)(learningRate * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step)));
        var args = new AdamArgs(alpha, 1f - beta1, 1f - beta2, epsilon);
        int i = 0;
        if (width >= SimdWidth.V512) i = AdamBody<Vector512<float>, Vector512Ops>(weights, gradient, m, v, args, i);
        if (width >= SimdWidth.V256) i = AdamBody<Vector256<float>, Vector256Ops>(weights, gradient, m, v, args, i);
        if (width >= SimdWidth.V128) i = AdamBody<Vector128<float>, Vector128Ops>(weights, gradient, m, v, args, i);
        AdamBody<float, ScalarOps>(weights, gradient, m, v, args, i);
    }

    private readonly record struct SgdArgs(float LearningRate, float Momentum, bool Nesterov);

    private readonly record struct AdamArgs(float Alpha, float OneMinusBeta1, float OneMinusBeta2, float Epsilon);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PlainBody<TVec, TOps>(Span<float> w, ReadOnlySpan<float> g, SgdArgs a, int i)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec lr = TOps.Create(a.LearningRate);
        for (int last = w.Length - TOps.Count; i <= last; i += TOps.Count)
        {
            TOps.Store(TOps.Subtract(TOps.Load(w, i), TOps.Multiply(lr, TOps.Load(g, i))), w, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MomentumBody<TVec, TOps>(Span<float> w, ReadOnlySpan<float> g, Span<float> v, SgdArgs a, int i)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec lr = TOps.Create(a.LearningRate), mu = TOps.Create(a.Momentum);
        for (int last = w.Length - TOps.Count; i <= last; i += TOps.Count)
        {
            TVec step = TOps.Multiply(lr, TOps.Load(g, i));
            TVec velocity = TOps.Subtract(TOps.Multiply(mu, TOps.Load(v, i)), step);
            TOps.Store(velocity, v, i);
            TVec update = a.Nesterov ? TOps.Subtract(TOps.Multiply(mu, velocity), step) : velocity;
            TOps.Store(TOps.Add(TOps.Load(w, i), update), w, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AdamBody<TVec, TOps>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, AdamArgs a, int i)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec alpha = TOps.Create(a.Alpha), b1 = TOps.Create(a.OneMinusBeta1), b2 = TOps.Create(a.OneMinusBeta2), eps = TOps.Create(a.Epsilon);
        for (int last = w.Length - TOps.Count; i <= last; i += TOps.Count)
        {
            TVec gi = TOps.Load(g, i);
            TVec mi = TOps.Load(m, i);
            TVec vi = TOps.Load(v, i);
            mi = TOps.Add(mi, TOps.Multiply(TOps.Subtract(gi, mi), b1));
            vi = TOps.Add(vi, TOps.Multiply(TOps.Subtract(TOps.Multiply(gi, gi), vi), b2));
            TOps.Store(mi, m, i);
            TOps.Store(vi, v, i);
            TVec update = TOps.Divide(TOps.Multiply(mi, alpha), TOps.Add(TOps.Sqrt(vi), eps));
            TOps.Store(TOps.Subtract(TOps.Load(w, i), update), w, i);
        }

        return i;
    }
}
