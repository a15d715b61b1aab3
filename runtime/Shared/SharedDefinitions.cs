// One definition of each rule and constant that the generator and the runtime both need. This file is compiled into
// both assemblies: the runtime (runtime/ModelGen.csproj) and, linked, the generator
// (generator/ModelGen.Generator.csproj, where MODELGEN_GENERATOR is defined). The generator writes these values into
// generated code or plans with them; the runtime's kernels compute with them; the two cannot drift apart.
// netstandard2.0 C#: no features newer than the generator's compiler allows.

#if MODELGEN_GENERATOR
namespace ModelGen.Generator.Shared;
#else
namespace ModelGen.CompilerServices;
#endif

/// <summary>Keras's defaults that both front ends and the runtime's attributes and kernels use.</summary>
internal static class KerasDefaults
{
    /// <summary>BatchNormalization's weight of the old value in the moving statistics.</summary>
    public const double BatchNormalizationMomentum = 0.99;

    /// <summary>BatchNormalization's epsilon.</summary>
    public const double BatchNormalizationEpsilon = 1e-3;

    /// <summary>Adam's first-moment decay (β1).</summary>
    public const double AdamBeta1 = 0.9;

    /// <summary>Adam's second-moment decay (β2).</summary>
    public const double AdamBeta2 = 0.999;

    /// <summary>Adam's epsilon (Keras's, not PyTorch's 1e-8).</summary>
    public const double AdamEpsilon = 1e-7;
}

/// <summary>
/// What an lstm keeps per unit, sample and timestep, on both backends: z and the gates i, f, c, o (4 + 4 values),
/// the cell c, activation(c) and the hidden state h. The CPU's training forward pass saves these for backpropagation
/// through time (runtime <c>Lstm</c>); the GPU keeps the same values per step.
/// </summary>
internal static class LstmLayout
{
    /// <summary>Values per unit and timestep: 4 pre-activations, 4 gates, c, activation(c), h.</summary>
    public const int StepValues = 11;

    /// <summary>The CPU kernels' scratch per sample: the input projection (4 per unit and timestep) and one step's state
    /// (6 values per unit), and in training one more per unit for the gradient's carry.</summary>
    public static long Workspace(long timesteps, long units, bool training) => (4 * timesteps + (training ? 7 : 6)) * units;
}

/// <summary>
/// What a gru keeps per unit, sample and timestep (runtime <c>Gru</c>): the input projections (3), the gates z, r, h~ (3),
/// rec_h (reset_after) or r ⊙ h_{t-1}, and h.
/// </summary>
internal static class GruLayout
{
    /// <summary>Values per unit and timestep.</summary>
    public const int StepValues = 8;

    /// <summary>The CPU kernels' scratch per sample (training and inference alike): the input projection (3 per unit and
    /// timestep), then two <c>[3u]</c> step buffers and three <c>[u]</c> ones.</summary>
    public static long Workspace(long timesteps, long units) => (3 * timesteps + 9) * units;
}

/// <summary>
/// The geometry of a sliding window (conv2d, max_pooling2d) along one axis, as TensorFlow computes it: "valid" pads
/// nothing and drops windows that do not fit; "same" gives <c>ceil(in / stride)</c> outputs and pads
/// <c>total = max((out - 1) · stride + window - in, 0)</c> values, the smaller half before the first value.
/// </summary>
internal static class WindowArithmetic
{
    /// <summary>Outputs along an axis of <paramref name="input"/> values.</summary>
    public static int OutputLength(int input, int window, int stride, bool same) =>
        same ? (input + stride - 1) / stride : (input - window) / stride + 1;

    /// <summary>Padding along an axis in all, before and after ("same"; 0 for "valid").</summary>
    public static int PadTotal(int input, int output, int window, int stride, bool same) =>
        same ? System.Math.Max((output - 1) * stride + window - input, 0) : 0;

    /// <summary>Padding before the first value: the smaller half of <see cref="PadTotal"/>.</summary>
    public static int PadBefore(int input, int output, int window, int stride, bool same) =>
        PadTotal(input, output, window, stride, same) / 2;
}

/// <summary>
/// erf(x) as the backends compute it (the exact gelu): an odd polynomial of degree 13 over an even one of degree 8 on
/// x clamped to [-4, 4], outside which erf is ±1 in single precision; evaluated by Horner's rule in x², highest
/// coefficient first. Max error about 1 ulp near 1, a few ulp near 0.
/// </summary>
internal static class ErfApproximation
{
    /// <summary>|x| beyond which erf(x) is ±1 in single precision.</summary>
    public const float Limit = 4f;

    // The numerator's coefficients in x², highest first (P6 · x¹² + … + P0); the sum is then multiplied by x.
    public const double P6 = -2.72614225801306e-10, P5 = 2.77068142495902e-08, P4 = -2.10102402082508e-06,
        P3 = -5.69250639462346e-05, P2 = -7.34990630326855e-04, P1 = -2.95459980854025e-03, P0 = -1.60960333262415e-02;

    // The denominator's coefficients in x², highest first (Q4 · x⁸ + … + Q0).
    public const double Q4 = -1.45660718464996e-05, Q3 = -2.13374055278905e-04, Q2 = -1.68282697438203e-03,
        Q1 = -7.37332916720468e-03, Q0 = -1.42647390514189e-02;

    /// <summary>The numerator's coefficients, highest first (for code that loops over them).</summary>
    public static double[] Numerator() => new[] { P6, P5, P4, P3, P2, P1, P0 };

    /// <summary>The denominator's coefficients, highest first.</summary>
    public static double[] Denominator() => new[] { Q4, Q3, Q2, Q1, Q0 };
}

/// <summary>The random stream of <c>Fit</c>'s shuffles (the model's seed, this stream), on both backends, so that the
/// CPU and the GPU see the same batches.</summary>
internal static class FitShuffle
{
    public const long Stream = 0x5EED;
}
