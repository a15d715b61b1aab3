using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// The fused training kernels of SPEC §5 for a Dense layer with its activation and BatchNormalization, on row-major
/// <c>[rows, units]</c> buffers. For generated code.
/// <list type="bullet">
/// <item><b>Dense → BN → activation</b> (<see cref="BatchNormActivationForward"/>): one GEMM, run in blocks of rows
/// whose epilogue adds the bias and gathers each feature's shifted sums while the block is in cache; then one pass
/// <c>y = act(z · a + c)</c> with <c>a = gamma / sqrt(var + eps)</c>, <c>c = beta - mean · a</c>.</item>
/// <item><b>Dense → activation → BN</b> (<see cref="ActivationBatchNormForward"/>): the same GEMM whose epilogue adds the
/// bias, applies the activation and gathers the sums of the activated values; then one pass <c>y = a · s + c</c>.</item>
/// <item>Backward (<see cref="BatchNormActivationBackward"/>, <see cref="ActivationBatchNormBackward"/>): a pass through
/// the activation's derivative gathering BN's two sums per feature, then a pass writing dL/dz and the bias gradient;
/// the two GEMMs (kernel gradient and input gradient) follow in the generated code.</item>
/// </list>
/// The variance is the biased batch variance from sums shifted by the first row (the "shifted data" algorithm), so
/// a large mean does not cancel its digits as <c>E[x²] - E[x]²</c> would. Per-feature sums run in row order in every
/// lane: results do not depend on the SIMD width or the buffers' addresses.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FusedDense
{
    /// <summary>Rows per GEMM block of the training forward pass. Large, so that the GEMM packs its B and every packed
    /// block serves many slivers of A (16-row blocks ran M4's first layer at 36 GFLOP/s on Zen 3, 128 rows at 84); the
    /// epilogue then reads the block's rows back from L2 (128 × 512 values: 256 KiB).</summary>
    private const int BlockRows = 128;

    /// <summary>Dense + bias + activation: <c>y = act(x · W + b)</c>, the GEMM then one epilogue pass.</summary>
    /// <param name="x">Inputs <c>[rows, inputs]</c>.</param>
    /// <param name="kernel">Kernel <c>[inputs, units]</c>.</param>
    /// <param name="bias">Bias <c>[units]</c>, or empty.</param>
    /// <param name="z">Receives <c>x · W + b</c>; may be <paramref name="y"/> when the activation is linear.</param>
    /// <param name="y">Receives the activated output.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="inputs">Inputs per row.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">An elementwise activation (not softmax).</param>
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y,
        int rows, int inputs, int units, Activation activation)
    {
        if (inputs <= ThinInputs && TryThin(x, kernel, bias, z, y, rows, inputs, units, activation))
        {
            return;
        }

        Gemm.Multiply(x, kernel, z, rows, inputs, units, accumulate: false);
        Activate(z, bias, y, rows, units, activation);
    }

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, Activation)"/>
    /// with the kernel also prepacked by <see cref="PackedDense.Pack"/>: a single row takes the packed product (a
    /// batch-1 <c>Predict</c>), more rows the GEMM, which reads the packed panels where its tile is 16 columns wide
    /// (AVX2) instead of packing the kernel on every call. The same bits every way.
    /// </summary>
    /// <param name="x">Inputs <c>[rows, inputs]</c>.</param>
    /// <param name="kernel">Kernel <c>[inputs, units]</c>.</param>
    /// <param name="packedKernel">The same kernel packed (<see cref="PackedDense.PackedLength"/> values).</param>
    /// <param name="bias">Bias <c>[units]</c>, or empty.</param>
    /// <param name="z">Receives <c>x · W + b</c>; may be <paramref name="y"/> when the activation is linear.</param>
    /// <param name="y">Receives the activated output.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="inputs">Inputs per row.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">An elementwise activation (not softmax).</param>
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y,
        int rows, int inputs, int units, Activation activation)
    {
        if (inputs <= ThinInputs && TryThin(x, kernel, bias, z, y, rows, inputs, units, activation))
        {
            return;
        }

        if (rows == 1)
        {
            PackedDense.MultiplyRow(x, packedKernel, z.Slice(0, units), inputs, units);
        }
        else
        {
            Gemm.MultiplyPrepacked(x, kernel, packedKernel, z, rows, inputs, units);
        }

        Activate(z, bias, y, rows, units, activation);
    }

    /// <summary>Inputs up to which a Dense runs <see cref="TryThin"/> instead of the GEMM and a separate epilogue.</summary>
    private const int ThinInputs = 4;

    /// <summary>
    /// A Dense with a few inputs (the first layer of a model of 2-D points): per row and vector of units, the
    /// k-ordered chain of fused multiply-adds from zero that the GEMM computes, the bias and the activation, stored
    /// once. The GEMM's tiles and a second pass over <c>z</c> cost more than the arithmetic here (M1's [256, 2] · [2, 50]
    /// + relu: 2.9 µs for the GEMM and 3.2 µs for its epilogue on Zen 3). The same bits as the GEMM and epilogue. False
    /// (nothing written) when the units are narrower than a vector, the activation is not elementwise or a length is
    /// wrong (the general path then says which).
    /// </summary>
    private static bool TryThin(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y,
        int rows, int inputs, int units, Activation activation)
    {
        if (rows < 0 || x.Length != rows * inputs || kernel.Length != inputs * units || z.Length != rows * units || y.Length != rows * units
            || (!bias.IsEmpty && bias.Length != units))
        {
            return false; // the general path reports the wrong length
        }

        return activation switch
        {
            Activation.Linear => Thin<LinearActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Relu => Thin<ReluActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Tanh => Thin<TanhActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Sigmoid => Thin<SigmoidActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Elu => Thin<EluActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.LeakyRelu => Thin<LeakyReluActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Gelu => Thin<GeluActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Swish => Thin<SwishActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Selu => Thin<SeluActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.Softplus => Thin<SoftplusActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.HardSigmoid => Thin<HardSigmoidActivation>(x, kernel, bias, z, y, rows, inputs, units),
            Activation.HardSigmoidKeras2 => Thin<HardSigmoidKeras2Activation>(x, kernel, bias, z, y, rows, inputs, units),
            _ => false,
        };
    }

    private static bool Thin<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y, int rows, int inputs, int units)
        where TAct : struct, IFusedActivation
    {
        if (Vector512.IsHardwareAccelerated && units >= Vector512<float>.Count)
        {
            ThinRows<Vector512<float>, Vector512Ops, TAct>(x, kernel, bias, z, y, rows, inputs, units);
        }
        else if (Vector256.IsHardwareAccelerated && units >= Vector256<float>.Count)
        {
            ThinRows<Vector256<float>, Vector256Ops, TAct>(x, kernel, bias, z, y, rows, inputs, units);
        }
        else if (Vector128.IsHardwareAccelerated && units >= Vector128<float>.Count)
        {
            ThinRows<Vector128<float>, Vector128Ops, TAct>(x, kernel, bias, z, y, rows, inputs, units);
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>Rows of <see cref="TryThin"/>: whole vectors of units, and a last vector overlapping the one before it
    /// (computed from x and the kernel, so its overlapping lanes are written again with the same values).</summary>
    private static void ThinRows<TVec, TOps, TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y, int rows, int inputs, int units)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        int last = units - TOps.Count;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * inputs, inputs);
            Span<float> zr = z.Slice(r * units, units), yr = y.Slice(r * units, units);
            for (int j = 0; ; j += TOps.Count)
            {
                j = Math.Min(j, last);
                TVec sum = TOps.Create(0f);
                for (int p = 0; p < inputs; p++)
                {
                    sum = TOps.MultiplyAdd(TOps.Create(xr[p]), TOps.Load(kernel, p * units + j), sum);
                }

                if (!bias.IsEmpty)
                {
                    sum = TOps.Add(sum, TOps.Load(bias, j));
                }

                TOps.Store(sum, zr, j);
                TOps.Store(TAct.Forward<TVec, TOps>(sum), yr, j);
                if (j == last)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The epilogue of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, Activation)"/>:
    /// the bias and the activation, one pass.</summary>
    private static void Activate(Span<float> z, ReadOnlySpan<float> bias, Span<float> y, int rows, int units, Activation activation)
    {
        switch (activation)
        {
            case Activation.Linear: Epilogue<LinearActivation>(z, bias, y, rows, units); break;
            case Activation.Relu: Epilogue<ReluActivation>(z, bias, y, rows, units); break;
            case Activation.Tanh: Epilogue<TanhActivation>(z, bias, y, rows, units); break;
            case Activation.Sigmoid: Epilogue<SigmoidActivation>(z, bias, y, rows, units); break;
            case Activation.Elu: Epilogue<EluActivation>(z, bias, y, rows, units); break;
            case Activation.LeakyRelu: Epilogue<LeakyReluActivation>(z, bias, y, rows, units); break;
            case Activation.Gelu: Epilogue<GeluActivation>(z, bias, y, rows, units); break;
            case Activation.Swish: Epilogue<SwishActivation>(z, bias, y, rows, units); break;
            case Activation.Selu: Epilogue<SeluActivation>(z, bias, y, rows, units); break;
            case Activation.Softplus: Epilogue<SoftplusActivation>(z, bias, y, rows, units); break;
            case Activation.HardSigmoid: Epilogue<HardSigmoidActivation>(z, bias, y, rows, units); break;
            case Activation.HardSigmoidKeras2: Epilogue<HardSigmoidKeras2Activation>(z, bias, y, rows, units); break;
            default: throw Unsupported(activation);
        }
    }

    /// <summary>Backward of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, Activation)"/> up to the GEMMs: <c>dz = act'(z) · dy</c> (one pass) and the bias gradient.</summary>
    /// <param name="z">The saved pre-activation.</param>
    /// <param name="y">The saved output.</param>
    /// <param name="dy">dL/dy.</param>
    /// <param name="dz">Receives dL/dz; may be <paramref name="dy"/>.</param>
    /// <param name="biasGradient">Receives Σ dz over rows, or empty.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">The activation of the forward pass.</param>
    public static void Backward(
        ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> biasGradient,
        int rows, int units, Activation activation)
    {
        switch (activation)
        {
            case Activation.Linear: ActivationBackward<LinearActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Relu: ActivationBackward<ReluActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Tanh: ActivationBackward<TanhActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Sigmoid: ActivationBackward<SigmoidActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Elu: ActivationBackward<EluActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.LeakyRelu: ActivationBackward<LeakyReluActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Gelu: ActivationBackward<GeluActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Swish: ActivationBackward<SwishActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Selu: ActivationBackward<SeluActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.Softplus: ActivationBackward<SoftplusActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.HardSigmoid: ActivationBackward<HardSigmoidActivation>(z, y, dy, dz, biasGradient, rows, units); break;
            case Activation.HardSigmoidKeras2: ActivationBackward<HardSigmoidKeras2Activation>(z, y, dy, dz, biasGradient, rows, units); break;
            default: throw Unsupported(activation);
        }
    }

    /// <summary>
    /// Dense → BatchNormalization → activation in training mode: <c>z = x · W + b</c> with the BN sums gathered in
    /// the GEMM's epilogue, the batch statistics and moving statistics, then <c>y = act(gamma · (z - mean) / sqrt(var + eps) + beta)</c>.
    /// </summary>
    /// <param name="x">Inputs <c>[rows, inputs]</c>.</param>
    /// <param name="kernel">Kernel <c>[inputs, units]</c>.</param>
    /// <param name="bias">Dense bias, or empty.</param>
    /// <param name="z">Receives the Dense output (BN's input), kept for the backward pass.</param>
    /// <param name="y">Receives the group's output.</param>
    /// <param name="rows">Rows (the batch).</param>
    /// <param name="inputs">Inputs per row.</param>
    /// <param name="units">Units (BN's features).</param>
    /// <param name="gamma">BN scale, or empty (scale = false).</param>
    /// <param name="beta">BN offset, or empty (center = false).</param>
    /// <param name="epsilon">BN epsilon.</param>
    /// <param name="momentum">BN momentum (Keras's: weight of the old moving value).</param>
    /// <param name="movingMean">Moving mean, updated.</param>
    /// <param name="movingVariance">Moving variance, updated with the biased batch variance.</param>
    /// <param name="mean">Receives the batch mean.</param>
    /// <param name="inverseStd">Receives <c>1 / sqrt(var + eps)</c>.</param>
    /// <param name="activation">An elementwise activation, or linear.</param>
    public static void BatchNormActivationForward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y,
        int rows, int inputs, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance, Span<float> mean, Span<float> inverseStd, Activation activation)
    {
        CheckBatchNorm(z, y, rows, units, gamma, beta, movingMean, movingVariance, mean, inverseStd);
        switch (activation)
        {
            case Activation.Linear: BatchNormActivationForward<LinearActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Relu: BatchNormActivationForward<ReluActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Tanh: BatchNormActivationForward<TanhActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Sigmoid: BatchNormActivationForward<SigmoidActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Elu: BatchNormActivationForward<EluActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.LeakyRelu: BatchNormActivationForward<LeakyReluActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Gelu: BatchNormActivationForward<GeluActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Swish: BatchNormActivationForward<SwishActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Selu: BatchNormActivationForward<SeluActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Softplus: BatchNormActivationForward<SoftplusActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.HardSigmoid: BatchNormActivationForward<HardSigmoidActivation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.HardSigmoidKeras2: BatchNormActivationForward<HardSigmoidKeras2Activation>(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            default: throw Unsupported(activation);
        }
    }

    /// <summary>
    /// Backward of <see cref="BatchNormActivationForward"/> up to the GEMMs: one pass through the activation's
    /// derivative gathering Σg and Σg·x̂ (g = dL/d(BN output)), then one pass writing
    /// <c>dz = gamma / sqrt(var + eps) · (g - mean(g) - x̂ · mean(g · x̂))</c> and the bias gradient.
    /// </summary>
    /// <param name="z">The saved Dense output.</param>
    /// <param name="y">The saved group output.</param>
    /// <param name="dy">dL/dy.</param>
    /// <param name="dz">Receives dL/dz (it may not overlap <paramref name="dy"/>).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="units">Units.</param>
    /// <param name="gamma">BN scale, or empty.</param>
    /// <param name="beta">BN offset, or empty.</param>
    /// <param name="mean">The saved batch mean.</param>
    /// <param name="inverseStd">The saved <c>1 / sqrt(var + eps)</c>.</param>
    /// <param name="gammaGradient">Receives dL/dgamma, or empty.</param>
    /// <param name="betaGradient">Receives dL/dbeta, or empty.</param>
    /// <param name="biasGradient">Receives the Dense bias gradient Σ dz, or empty.</param>
    /// <param name="activation">The activation of the forward pass.</param>
    public static void BatchNormActivationBackward(
        ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> biasGradient, Activation activation)
    {
        switch (activation)
        {
            case Activation.Linear: BatchNormActivationBackward<LinearActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Relu: BatchNormActivationBackward<ReluActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Tanh: BatchNormActivationBackward<TanhActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Sigmoid: BatchNormActivationBackward<SigmoidActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Elu: BatchNormActivationBackward<EluActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.LeakyRelu: BatchNormActivationBackward<LeakyReluActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Gelu: BatchNormActivationBackward<GeluActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Swish: BatchNormActivationBackward<SwishActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Selu: BatchNormActivationBackward<SeluActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Softplus: BatchNormActivationBackward<SoftplusActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.HardSigmoid: BatchNormActivationBackward<HardSigmoidActivation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.HardSigmoidKeras2: BatchNormActivationBackward<HardSigmoidKeras2Activation>(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            default: throw Unsupported(activation);
        }
    }

    /// <summary>
    /// Dense → activation → BatchNormalization in training mode: <c>z = x · W + b</c>, then in the GEMM's epilogue
    /// <c>a = act(z)</c> and the BN sums of <c>a</c>; the statistics; then <c>y = gamma · (a - mean) / sqrt(var + eps) + beta</c>.
    /// </summary>
    /// <param name="x">Inputs <c>[rows, inputs]</c>.</param>
    /// <param name="kernel">Kernel <c>[inputs, units]</c>.</param>
    /// <param name="bias">Dense bias, or empty.</param>
    /// <param name="z">Receives the pre-activation, kept for the backward pass of gelu and swish.</param>
    /// <param name="a">Receives the activated Dense output (BN's input).</param>
    /// <param name="y">Receives BN's output.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="inputs">Inputs per row.</param>
    /// <param name="units">Units.</param>
    /// <param name="gamma">BN scale, or empty.</param>
    /// <param name="beta">BN offset, or empty.</param>
    /// <param name="epsilon">BN epsilon.</param>
    /// <param name="momentum">BN momentum.</param>
    /// <param name="movingMean">Moving mean, updated.</param>
    /// <param name="movingVariance">Moving variance, updated.</param>
    /// <param name="mean">Receives the batch mean.</param>
    /// <param name="inverseStd">Receives <c>1 / sqrt(var + eps)</c>.</param>
    /// <param name="activation">An elementwise activation.</param>
    public static void ActivationBatchNormForward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> a, Span<float> y,
        int rows, int inputs, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance, Span<float> mean, Span<float> inverseStd, Activation activation)
    {
        CheckBatchNorm(a, y, rows, units, gamma, beta, movingMean, movingVariance, mean, inverseStd);
        switch (activation)
        {
            case Activation.Linear: ActivationBatchNormForward<LinearActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Relu: ActivationBatchNormForward<ReluActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Tanh: ActivationBatchNormForward<TanhActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Sigmoid: ActivationBatchNormForward<SigmoidActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Elu: ActivationBatchNormForward<EluActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.LeakyRelu: ActivationBatchNormForward<LeakyReluActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Gelu: ActivationBatchNormForward<GeluActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Swish: ActivationBatchNormForward<SwishActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Selu: ActivationBatchNormForward<SeluActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.Softplus: ActivationBatchNormForward<SoftplusActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.HardSigmoid: ActivationBatchNormForward<HardSigmoidActivation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            case Activation.HardSigmoidKeras2: ActivationBatchNormForward<HardSigmoidKeras2Activation>(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, epsilon, momentum, movingMean, movingVariance, mean, inverseStd); break;
            default: throw Unsupported(activation);
        }
    }

    /// <summary>
    /// Backward of <see cref="ActivationBatchNormForward"/> up to the GEMMs: one pass gathering Σdy and Σdy·x̂, then one
    /// pass writing <c>dz = act'(z) · gamma / sqrt(var + eps) · (dy - mean(dy) - x̂ · mean(dy · x̂))</c> and the bias gradient.
    /// </summary>
    /// <param name="z">The saved pre-activation.</param>
    /// <param name="a">The saved activated output (BN's input).</param>
    /// <param name="dy">dL/d(BN output).</param>
    /// <param name="dz">Receives dL/dz (it may not overlap <paramref name="dy"/>).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="units">Units.</param>
    /// <param name="gamma">BN scale, or empty.</param>
    /// <param name="mean">The saved batch mean.</param>
    /// <param name="inverseStd">The saved <c>1 / sqrt(var + eps)</c>.</param>
    /// <param name="gammaGradient">Receives dL/dgamma, or empty.</param>
    /// <param name="betaGradient">Receives dL/dbeta, or empty.</param>
    /// <param name="biasGradient">Receives the Dense bias gradient, or empty.</param>
    /// <param name="activation">The activation of the forward pass.</param>
    public static void ActivationBatchNormBackward(
        ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> dy, Span<float> dz, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> biasGradient, Activation activation)
    {
        switch (activation)
        {
            case Activation.Linear: ActivationBatchNormBackward<LinearActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Relu: ActivationBatchNormBackward<ReluActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Tanh: ActivationBatchNormBackward<TanhActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Sigmoid: ActivationBatchNormBackward<SigmoidActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Elu: ActivationBatchNormBackward<EluActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.LeakyRelu: ActivationBatchNormBackward<LeakyReluActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Gelu: ActivationBatchNormBackward<GeluActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Swish: ActivationBatchNormBackward<SwishActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Selu: ActivationBatchNormBackward<SeluActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.Softplus: ActivationBatchNormBackward<SoftplusActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.HardSigmoid: ActivationBatchNormBackward<HardSigmoidActivation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            case Activation.HardSigmoidKeras2: ActivationBatchNormBackward<HardSigmoidKeras2Activation>(z, a, dy, dz, rows, units, gamma, mean, inverseStd, gammaGradient, betaGradient, biasGradient); break;
            default: throw Unsupported(activation);
        }
    }

    // ---- Implementations, generic over the activation; each row pass cascades 512 → 256 → 128 → scalar lanes.

    // Not inlined: with dynamic PGO, Forward's tier-1 code inlined the tanh epilogue into one method with the GEMM's
    // dispatch and ran the whole Dense 2-3 times slower ([256, 14]·[14, 64] + tanh: 33-37 µs against 12-14 µs).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Epilogue<TAct>(Span<float> z, ReadOnlySpan<float> bias, Span<float> y, int rows, int units)
        where TAct : struct, IFusedActivation
    {
        if (units < FlatUnits && FlatUnits % units == 0)
        {
            FlatEpilogue<TAct>(z, bias, y, rows * units, units);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            Span<float> zr = z.Slice(r * units, units);
            Span<float> yr = y.Slice(r * units, units);
            if (Vector512.IsHardwareAccelerated && units >= Vector512<float>.Count)
            {
                EpilogueRow<Vector512<float>, Vector512Ops, TAct>(zr, bias, yr);
            }
            else if (Vector256.IsHardwareAccelerated && units >= Vector256<float>.Count)
            {
                EpilogueRow<Vector256<float>, Vector256Ops, TAct>(zr, bias, yr);
            }
            else if (Vector128.IsHardwareAccelerated && units >= Vector128<float>.Count)
            {
                EpilogueRow<Vector128<float>, Vector128Ops, TAct>(zr, bias, yr);
            }
            else
            {
                EpilogueBody<float, ScalarOps, TAct>(zr, bias, yr, 0);
            }
        }
    }

    /// <summary>
    /// One row of at least one vector: whole vectors, and when the units are not a multiple of the width, the row's
    /// last <c>TOps.Count</c> values as one more vector overlapping the one before it. That vector is loaded and computed
    /// before the row's other stores and stored after them: loading it after storing its neighbour would stall on the
    /// partly overlapping store, and its overlapping lanes compute what the whole vectors computed for them. A row of 50
    /// units was 6 vectors, a 128-bit pass and two scalar values before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EpilogueRow<TVec, TOps, TAct>(Span<float> z, ReadOnlySpan<float> bias, Span<float> y)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        int units = z.Length;
        if (units % TOps.Count == 0)
        {
            EpilogueBody<TVec, TOps, TAct>(z, bias, y, 0);
            return;
        }

        int at = units - TOps.Count;
        TVec last = TOps.Load(z, at);
        if (!bias.IsEmpty)
        {
            last = TOps.Add(last, TOps.Load(bias, at));
        }

        TVec lastOut = TAct.Forward<TVec, TOps>(last);
        EpilogueBody<TVec, TOps, TAct>(z, bias, y, 0);
        if (!bias.IsEmpty)
        {
            TOps.Store(last, z, at);
        }

        TOps.Store(lastOut, y, at);
    }

    /// <summary>Units below this that divide it (1, 2, 4, 8) take <see cref="FlatEpilogue{TAct}"/>.</summary>
    private const int FlatUnits = 16;

    /// <summary>
    /// The epilogue of a narrow layer (units dividing 16) over the whole <c>[rows, units]</c> buffer at once, with
    /// the bias tiled to a vector: row by row, such rows would be all scalar tails (a sigmoid output layer: one
    /// <see cref="MathF.Exp"/> and the width cascade per sample). Widths whose lanes <paramref name="units"/> does not
    /// divide are skipped; the scalar tail indexes the bias by <c>i mod units</c>.
    /// </summary>
    private static void FlatEpilogue<TAct>(Span<float> z, ReadOnlySpan<float> bias, Span<float> y, int length, int units)
        where TAct : struct, IFusedActivation
    {
        Span<float> tiled = stackalloc float[FlatUnits];
        if (!bias.IsEmpty)
        {
            for (int i = 0; i < FlatUnits; i++)
            {
                tiled[i] = bias[i % units];
            }
        }

        ReadOnlySpan<float> pattern = bias.IsEmpty ? ReadOnlySpan<float>.Empty : tiled;
        int f = 0;
        if (Vector512.IsHardwareAccelerated) f = FlatBody<Vector512<float>, Vector512Ops, TAct>(z, pattern, y, length, f);
        if (Vector256.IsHardwareAccelerated && Vector256<float>.Count % units == 0) f = FlatBody<Vector256<float>, Vector256Ops, TAct>(z, pattern, y, length, f);
        if (Vector128.IsHardwareAccelerated && Vector128<float>.Count % units == 0) f = FlatBody<Vector128<float>, Vector128Ops, TAct>(z, pattern, y, length, f);
        for (; f < length; f++)
        {
            float v = z[f];
            if (!bias.IsEmpty)
            {
                v += bias[f % units];
                z[f] = v;
            }

            y[f] = TAct.Forward<float, ScalarOps>(v);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FlatBody<TVec, TOps, TAct>(Span<float> z, ReadOnlySpan<float> pattern, Span<float> y, int length, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        // f is a multiple of units here (0, or where a wider width whose lanes units divides stopped).
        TVec b = pattern.IsEmpty ? TOps.Create(0f) : TOps.Load(pattern, 0);
        for (; f <= length - TOps.Count; f += TOps.Count)
        {
            TVec v = TOps.Load(z, f);
            if (!pattern.IsEmpty)
            {
                v = TOps.Add(v, b);
                TOps.Store(v, z, f);
            }

            TOps.Store(TAct.Forward<TVec, TOps>(v), y, f);
        }

        return f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EpilogueBody<TVec, TOps, TAct>(Span<float> z, ReadOnlySpan<float> bias, Span<float> y, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= z.Length - TOps.Count; f += TOps.Count)
        {
            TVec v = TOps.Load(z, f);
            if (!bias.IsEmpty)
            {
                // z keeps the bias: the backward pass of gelu and swish reads the pre-activation.
                v = TOps.Add(v, TOps.Load(bias, f));
                TOps.Store(v, z, f);
            }

            TOps.Store(TAct.Forward<TVec, TOps>(v), y, f);
        }

        return f;
    }

    private static void ActivationBackward<TAct>(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> biasGradient, int rows, int units)
        where TAct : struct, IFusedActivation
    {
        if (!biasGradient.IsEmpty)
        {
            biasGradient.Clear();
        }

        for (int r = 0; r < rows; r++)
        {
            int o = r * units;
            ReadOnlySpan<float> zr = z.Slice(o, units), yr = y.Slice(o, units), dyr = dy.Slice(o, units);
            Span<float> dzr = dz.Slice(o, units);
            int f = 0;
            if (Vector512.IsHardwareAccelerated) f = ActivationBackwardBody<Vector512<float>, Vector512Ops, TAct>(zr, yr, dyr, dzr, biasGradient, f);
            if (Vector256.IsHardwareAccelerated) f = ActivationBackwardBody<Vector256<float>, Vector256Ops, TAct>(zr, yr, dyr, dzr, biasGradient, f);
            if (Vector128.IsHardwareAccelerated) f = ActivationBackwardBody<Vector128<float>, Vector128Ops, TAct>(zr, yr, dyr, dzr, biasGradient, f);
            ActivationBackwardBody<float, ScalarOps, TAct>(zr, yr, dyr, dzr, biasGradient, f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ActivationBackwardBody<TVec, TOps, TAct>(ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> biasGradient, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= z.Length - TOps.Count; f += TOps.Count)
        {
            TVec g = TAct.Backward<TVec, TOps>(TOps.Load(z, f), TOps.Load(y, f), TOps.Load(dy, f));
            TOps.Store(g, dz, f);
            if (!biasGradient.IsEmpty)
            {
                TOps.Store(TOps.Add(TOps.Load(biasGradient, f), g), biasGradient, f);
            }
        }

        return f;
    }

    private static void BatchNormActivationForward<TAct>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> y,
        int rows, int inputs, int units, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance, Span<float> mean, Span<float> inverseStd)
        where TAct : struct, IFusedActivation
    {
        // mean and inverseStd hold the shifted sums until the statistics are final.
        GemmWithSums<LinearActivation>(x, kernel, bias, z, z, rows, inputs, units, mean, inverseStd);
        Statistics(z, rows, units, epsilon, momentum, movingMean, movingVariance, mean, inverseStd);
        ScaleShiftPass<TAct>(z, y, rows, units, gamma, beta, mean, inverseStd);
    }

    private static void ActivationBatchNormForward<TAct>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> a, Span<float> y,
        int rows, int inputs, int units, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance, Span<float> mean, Span<float> inverseStd)
        where TAct : struct, IFusedActivation
    {
        GemmWithSums<TAct>(x, kernel, bias, z, a, rows, inputs, units, mean, inverseStd);
        Statistics(a, rows, units, epsilon, momentum, movingMean, movingVariance, mean, inverseStd);
        ScaleShiftPass<LinearActivation>(a, y, rows, units, gamma, beta, mean, inverseStd);
    }

    /// <summary>
    /// <c>z = x · W</c> in blocks of rows; each block's epilogue adds the bias, writes <c>out = act(z)</c> and adds
    /// <c>out - K</c> and <c>(out - K)²</c> to the per-feature sums, K being the first row of <c>out</c>.
    /// </summary>
    private static void GemmWithSums<TAct>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, Span<float> output,
        int rows, int inputs, int units, Span<float> sum, Span<float> sumOfSquares)
        where TAct : struct, IFusedActivation
    {
        sum.Clear();
        sumOfSquares.Clear();
        for (int r0 = 0; r0 < rows; r0 += BlockRows)
        {
            int count = Math.Min(BlockRows, rows - r0);
            Gemm.Multiply(x.Slice(r0 * inputs, count * inputs), kernel, z.Slice(r0 * units, count * units), count, inputs, units, accumulate: false);
            for (int r = r0; r < r0 + count; r++)
            {
                Span<float> zr = z.Slice(r * units, units), outr = output.Slice(r * units, units);
                ReadOnlySpan<float> shift = output.Slice(0, units);
                bool first = r == 0;
                int f = 0;
                if (Vector512.IsHardwareAccelerated) f = SumsBody<Vector512<float>, Vector512Ops, TAct>(zr, bias, outr, shift, first, sum, sumOfSquares, f);
                if (Vector256.IsHardwareAccelerated) f = SumsBody<Vector256<float>, Vector256Ops, TAct>(zr, bias, outr, shift, first, sum, sumOfSquares, f);
                if (Vector128.IsHardwareAccelerated) f = SumsBody<Vector128<float>, Vector128Ops, TAct>(zr, bias, outr, shift, first, sum, sumOfSquares, f);
                SumsBody<float, ScalarOps, TAct>(zr, bias, outr, shift, first, sum, sumOfSquares, f);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumsBody<TVec, TOps, TAct>(
        Span<float> z, ReadOnlySpan<float> bias, Span<float> output, ReadOnlySpan<float> shift, bool first, Span<float> sum, Span<float> sumOfSquares, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= z.Length - TOps.Count; f += TOps.Count)
        {
            TVec v = TOps.Load(z, f);
            if (!bias.IsEmpty)
            {
                v = TOps.Add(v, TOps.Load(bias, f));
                TOps.Store(v, z, f);
            }

            TVec o = TAct.Forward<TVec, TOps>(v);
            TOps.Store(o, output, f);
            if (!first)
            {
                TVec d = TOps.Subtract(o, TOps.Load(shift, f));
                TOps.Store(TOps.Add(TOps.Load(sum, f), d), sum, f);
                TOps.Store(TOps.MultiplyAdd(d, d, TOps.Load(sumOfSquares, f)), sumOfSquares, f);
            }
        }

        return f;
    }

    /// <summary>From the shifted sums: the batch mean and biased variance, the moving statistics, 1 / sqrt(var + eps).</summary>
    private static void Statistics(
        ReadOnlySpan<float> values, int rows, int units, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance, Span<float> mean, Span<float> inverseStd)
    {
        float keep = 1f - momentum;
        for (int f = 0; f < units; f++)
        {
            double shiftedMean = (double)mean[f] / rows;
            double variance = Math.Max(0.0, (double)inverseStd[f] / rows - shiftedMean * shiftedMean);
            float batchMean = (float)(values[f] + shiftedMean);
            mean[f] = batchMean;
            movingMean[f] = movingMean[f] * momentum + batchMean * keep;
            movingVariance[f] = movingVariance[f] * momentum + (float)variance * keep;
            inverseStd[f] = (float)(1.0 / Math.Sqrt(variance + epsilon));
        }
    }

    /// <summary><c>y = act(gamma · (v - mean) · inverseStd + beta)</c>, one FMA and the activation per value.</summary>
    private static void ScaleShiftPass<TAct>(
        ReadOnlySpan<float> values, Span<float> y, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd)
        where TAct : struct, IFusedActivation
    {
        // scale = gamma · inverseStd and shift = beta - mean · scale per feature, on the stack in chunks of features
        // (mean and inverseStd themselves are kept for the backward pass).
        const int Chunk = 256;
        Span<float> scale = stackalloc float[Math.Min(Chunk, units)];
        Span<float> shift = stackalloc float[Math.Min(Chunk, units)];
        for (int f0 = 0; f0 < units; f0 += Chunk)
        {
            int count = Math.Min(Chunk, units - f0);
            for (int f = 0; f < count; f++)
            {
                float s = (gamma.IsEmpty ? 1f : gamma[f0 + f]) * inverseStd[f0 + f];
                scale[f] = s;
                shift[f] = (beta.IsEmpty ? 0f : beta[f0 + f]) - mean[f0 + f] * s;
            }

            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> vr = values.Slice(r * units + f0, count);
                Span<float> yr = y.Slice(r * units + f0, count);
                int f = 0;
                if (Vector512.IsHardwareAccelerated) f = ScaleShiftBody<Vector512<float>, Vector512Ops, TAct>(vr, yr, scale, shift, f);
                if (Vector256.IsHardwareAccelerated) f = ScaleShiftBody<Vector256<float>, Vector256Ops, TAct>(vr, yr, scale, shift, f);
                if (Vector128.IsHardwareAccelerated) f = ScaleShiftBody<Vector128<float>, Vector128Ops, TAct>(vr, yr, scale, shift, f);
                ScaleShiftBody<float, ScalarOps, TAct>(vr, yr, scale, shift, f);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScaleShiftBody<TVec, TOps, TAct>(ReadOnlySpan<float> v, Span<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= v.Length - TOps.Count; f += TOps.Count)
        {
            TOps.Store(TAct.Forward<TVec, TOps>(TOps.MultiplyAdd(TOps.Load(v, f), TOps.Load(scale, f), TOps.Load(shift, f))), y, f);
        }

        return f;
    }

    /// <summary>Per-feature working storage of the backward passes: on the stack up to 512 features, else pooled.</summary>
    private const int StackFeatures = 512;

    private static void BatchNormActivationBackward<TAct>(
        ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> biasGradient)
        where TAct : struct, IFusedActivation
    {
        float[]? rented = null;
        Span<float> buffer = units <= StackFeatures ? stackalloc float[4 * units] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(4 * units));
        Span<float> sumG = buffer.Slice(0, units), sumGX = buffer.Slice(units, units), scale = buffer.Slice(2 * units, units), shift = buffer.Slice(3 * units, units);
        sumG.Clear();
        sumGX.Clear();
        for (int f = 0; f < units; f++)
        {
            scale[f] = (gamma.IsEmpty ? 1f : gamma[f]) * inverseStd[f];
            shift[f] = (beta.IsEmpty ? 0f : beta[f]) - mean[f] * scale[f];
        }

        // Pass 1: g = act'(u) · dy into dz, u = gamma · x̂ + beta being the activation's input; Σg and Σg·x̂.
        for (int r = 0; r < rows; r++)
        {
            int o = r * units;
            ReadOnlySpan<float> zr = z.Slice(o, units), yr = y.Slice(o, units), dyr = dy.Slice(o, units);
            Span<float> gr = dz.Slice(o, units);
            int f = 0;
            if (Vector512.IsHardwareAccelerated) f = GatherBody<Vector512<float>, Vector512Ops, TAct>(zr, yr, dyr, gr, scale, shift, mean, inverseStd, sumG, sumGX, f);
            if (Vector256.IsHardwareAccelerated) f = GatherBody<Vector256<float>, Vector256Ops, TAct>(zr, yr, dyr, gr, scale, shift, mean, inverseStd, sumG, sumGX, f);
            if (Vector128.IsHardwareAccelerated) f = GatherBody<Vector128<float>, Vector128Ops, TAct>(zr, yr, dyr, gr, scale, shift, mean, inverseStd, sumG, sumGX, f);
            GatherBody<float, ScalarOps, TAct>(zr, yr, dyr, gr, scale, shift, mean, inverseStd, sumG, sumGX, f);
        }

        // Pass 2 on dz in place; scale is reused for k = gamma · inverseStd.
        FinishBackward<LinearActivation>(z, z, dz, dz, rows, units, gamma, mean, inverseStd, sumG, sumGX, scale, gammaGradient, betaGradient, biasGradient);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GatherBody<TVec, TOps, TAct>(
        ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> g, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, Span<float> sumG, Span<float> sumGX, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= z.Length - TOps.Count; f += TOps.Count)
        {
            TVec zv = TOps.Load(z, f);
            TVec u = TOps.MultiplyAdd(zv, TOps.Load(scale, f), TOps.Load(shift, f));
            TVec gv = TAct.Backward<TVec, TOps>(u, TOps.Load(y, f), TOps.Load(dy, f));
            TVec xhat = TOps.Multiply(TOps.Subtract(zv, TOps.Load(mean, f)), TOps.Load(inverseStd, f));
            TOps.Store(gv, g, f);
            TOps.Store(TOps.Add(TOps.Load(sumG, f), gv), sumG, f);
            TOps.Store(TOps.MultiplyAdd(gv, xhat, TOps.Load(sumGX, f)), sumGX, f);
        }

        return f;
    }

    private static void ActivationBatchNormBackward<TAct>(
        ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> dy, Span<float> dz, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> biasGradient)
        where TAct : struct, IFusedActivation
    {
        float[]? rented = null;
        Span<float> buffer = units <= StackFeatures ? stackalloc float[3 * units] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(3 * units));
        Span<float> sumG = buffer.Slice(0, units), sumGX = buffer.Slice(units, units), k = buffer.Slice(2 * units, units);
        sumG.Clear();
        sumGX.Clear();

        // Pass 1: Σdy and Σdy·x̂, x̂ = (a - mean) · inverseStd.
        for (int r = 0; r < rows; r++)
        {
            int o = r * units;
            ReadOnlySpan<float> ar = a.Slice(o, units), dyr = dy.Slice(o, units);
            int f = 0;
            if (Vector512.IsHardwareAccelerated) f = SumsOfGradientBody<Vector512<float>, Vector512Ops>(ar, dyr, mean, inverseStd, sumG, sumGX, f);
            if (Vector256.IsHardwareAccelerated) f = SumsOfGradientBody<Vector256<float>, Vector256Ops>(ar, dyr, mean, inverseStd, sumG, sumGX, f);
            if (Vector128.IsHardwareAccelerated) f = SumsOfGradientBody<Vector128<float>, Vector128Ops>(ar, dyr, mean, inverseStd, sumG, sumGX, f);
            SumsOfGradientBody<float, ScalarOps>(ar, dyr, mean, inverseStd, sumG, sumGX, f);
        }

        // Pass 2: BN's input gradient, then through the activation to dz.
        FinishBackward<TAct>(a, z, dy, dz, rows, units, gamma, mean, inverseStd, sumG, sumGX, k, gammaGradient, betaGradient, biasGradient);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumsOfGradientBody<TVec, TOps>(
        ReadOnlySpan<float> a, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, Span<float> sumG, Span<float> sumGX, int f)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; f <= a.Length - TOps.Count; f += TOps.Count)
        {
            TVec g = TOps.Load(dy, f);
            TVec xhat = TOps.Multiply(TOps.Subtract(TOps.Load(a, f), TOps.Load(mean, f)), TOps.Load(inverseStd, f));
            TOps.Store(TOps.Add(TOps.Load(sumG, f), g), sumG, f);
            TOps.Store(TOps.MultiplyAdd(g, xhat, TOps.Load(sumGX, f)), sumGX, f);
        }

        return f;
    }

    /// <summary>
    /// The second backward pass, from BN's sums: dgamma = Σg·x̂, dbeta = Σg, then per value
    /// <c>d = k · (g - Σg/N) - k · (Σg·x̂/N) · x̂</c> with <c>k = gamma · inverseStd</c> and <c>x̂ = (v - mean) · inverseStd</c>,
    /// <c>dz = act'(z) · d</c> (the activation after the Dense, for BN after the activation), and the bias gradient Σdz.
    /// </summary>
    /// <remarks><c>bnInput</c> is BN's input v (z for BN before the activation, act(z) after it); <c>z</c> the Dense's
    /// pre-activation (for gelu and swish); <c>g</c> is dL/d(BN output), which pass 1 may have written into <c>dz</c>.</remarks>
    private static void FinishBackward<TAct>(
        ReadOnlySpan<float> bnInput, ReadOnlySpan<float> z, ReadOnlySpan<float> g, Span<float> dz, int rows, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd,
        Span<float> sumG, Span<float> sumGX, Span<float> k,
        Span<float> gammaGradient, Span<float> betaGradient, Span<float> biasGradient)
        where TAct : struct, IFusedActivation
    {
        if (!gammaGradient.IsEmpty)
        {
            sumGX.CopyTo(gammaGradient);
        }

        if (!betaGradient.IsEmpty)
        {
            sumG.CopyTo(betaGradient);
        }

        if (!biasGradient.IsEmpty)
        {
            biasGradient.Clear();
        }

        // In place: sumG becomes k · mean(g), sumGX becomes k · mean(g · x̂).
        for (int f = 0; f < units; f++)
        {
            float kf = (gamma.IsEmpty ? 1f : gamma[f]) * inverseStd[f];
            k[f] = kf;
            sumG[f] = kf * (sumG[f] / rows);
            sumGX[f] = kf * (sumGX[f] / rows);
        }

        for (int r = 0; r < rows; r++)
        {
            int o = r * units;
            ReadOnlySpan<float> vr = bnInput.Slice(o, units), zr = z.Slice(o, units), gr = g.Slice(o, units);
            Span<float> dzr = dz.Slice(o, units);
            int f = 0;
            if (Vector512.IsHardwareAccelerated) f = FinishBody<Vector512<float>, Vector512Ops, TAct>(vr, zr, gr, dzr, mean, inverseStd, k, sumG, sumGX, biasGradient, f);
            if (Vector256.IsHardwareAccelerated) f = FinishBody<Vector256<float>, Vector256Ops, TAct>(vr, zr, gr, dzr, mean, inverseStd, k, sumG, sumGX, biasGradient, f);
            if (Vector128.IsHardwareAccelerated) f = FinishBody<Vector128<float>, Vector128Ops, TAct>(vr, zr, gr, dzr, mean, inverseStd, k, sumG, sumGX, biasGradient, f);
            FinishBody<float, ScalarOps, TAct>(vr, zr, gr, dzr, mean, inverseStd, k, sumG, sumGX, biasGradient, f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FinishBody<TVec, TOps, TAct>(
        ReadOnlySpan<float> v, ReadOnlySpan<float> z, ReadOnlySpan<float> g, Span<float> dz,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> k, ReadOnlySpan<float> kMeanG, ReadOnlySpan<float> kMeanGX,
        Span<float> biasGradient, int f)
        where TVec : struct where TOps : ISimdOps<TVec> where TAct : struct, IFusedActivation
    {
        for (; f <= v.Length - TOps.Count; f += TOps.Count)
        {
            TVec vv = TOps.Load(v, f);
            TVec xhat = TOps.Multiply(TOps.Subtract(vv, TOps.Load(mean, f)), TOps.Load(inverseStd, f));
            TVec d = TOps.Subtract(TOps.Subtract(TOps.Multiply(TOps.Load(k, f), TOps.Load(g, f)), TOps.Load(kMeanG, f)), TOps.Multiply(TOps.Load(kMeanGX, f), xhat));
            TVec dzv = TAct.Backward<TVec, TOps>(TOps.Load(z, f), vv, d);
            TOps.Store(dzv, dz, f);
            if (!biasGradient.IsEmpty)
            {
                TOps.Store(TOps.Add(TOps.Load(biasGradient, f), dzv), biasGradient, f);
            }
        }

        return f;
    }

    private static void CheckBatchNorm(
        ReadOnlySpan<float> input, ReadOnlySpan<float> y, int rows, int units, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd)
    {
        Check.Length(input.Length, rows * units, "z", "[rows, units]");
        Check.Length(y.Length, rows * units, nameof(y), "[rows, units]");
        Check.LengthOrEmpty(gamma.Length, units, nameof(gamma), "[units]");
        Check.LengthOrEmpty(beta.Length, units, nameof(beta), "[units]");
        Check.Length(movingMean.Length, units, nameof(movingMean), "[units]");
        Check.Length(movingVariance.Length, units, nameof(movingVariance), "[units]");
        Check.Length(mean.Length, units, nameof(mean), "[units]");
        Check.Length(inverseStd.Length, units, nameof(inverseStd), "[units]");
    }

    private static ArgumentException Unsupported(Activation activation) =>
        new($"The fused kernels take elementwise activations; {activation} is applied on its own.", nameof(activation));
}
