using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>An elementwise activation for the fused kernels: forward on the pre-activation <c>x</c>, and its
/// derivative times <c>dy</c> from <c>x</c> (gelu, swish) or from the output <c>y</c> (the others).</summary>
internal interface IFusedActivation
{
    static abstract TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec>;

    static abstract TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec>;
}

internal readonly struct LinearActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => x;

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => dy;
}

internal readonly struct ReluActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(ReluOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(ReluBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct LeakyReluActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(LeakyReluOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(LeakyReluBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct EluActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(EluOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(EluBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct SeluActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(SeluOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(SeluBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct SoftplusActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(SoftplusOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(SoftplusBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct HardSigmoidActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => new HardSigmoidOperator(HardSigmoidOperator.Keras3Slope).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => new HardSigmoidBackwardOperator(HardSigmoidOperator.Keras3Slope).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct HardSigmoidKeras2Activation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => new HardSigmoidOperator(HardSigmoidOperator.Keras2Slope).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => new HardSigmoidBackwardOperator(HardSigmoidOperator.Keras2Slope).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct TanhActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(TanhOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(TanhBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct SigmoidActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(SigmoidOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(SigmoidBackwardOperator).Invoke<TVec, TOps>(y, dy);
}

internal readonly struct GeluActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(GeluOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(GeluBackwardOperator).Invoke<TVec, TOps>(x, dy);
}

internal readonly struct SwishActivation : IFusedActivation
{
    public static TVec Forward<TVec, TOps>(TVec x) where TVec : struct where TOps : ISimdOps<TVec> => default(SwishOperator).Invoke<TVec, TOps>(x);

    public static TVec Backward<TVec, TOps>(TVec x, TVec y, TVec dy) where TVec : struct where TOps : ISimdOps<TVec> => default(SwishBackwardOperator).Invoke<TVec, TOps>(x, dy);
}
