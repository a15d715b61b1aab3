using System;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.CompilerServices.Simd;

/// <summary>The scalar reference path: one lane, <see cref="MathF"/> for transcendental functions.</summary>
internal readonly struct ScalarOps : ISimdOps<float>
{
    private static readonly float AllOnes = BitConverter.Int32BitsToSingle(-1);

    public static int Count => 1;
    public static float Load(ReadOnlySpan<float> source, int index) => source[index];
    public static void Store(float value, Span<float> destination, int index) => destination[index] = value;
    public static float Create(float value) => value;
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Divide(float a, float b) => a / b;
    // Fused where the hardware has scalar FMA, so that on such machines the scalar path rounds like the vector paths.
    public static float MultiplyAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.Arm64.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;
    public static float Max(float a, float b) => a > b ? a : b;
    public static float Min(float a, float b) => a < b ? a : b;
    public static float MaxNative(float a, float b) => a > b ? a : b;
    public static float MinNative(float a, float b) => a < b ? a : b;
    public static float Abs(float a) => MathF.Abs(a);
    public static float Sqrt(float a) => MathF.Sqrt(a);
    public static float GreaterThan(float a, float b) => a > b ? AllOnes : 0f;
    public static float Select(float mask, float ifTrue, float ifFalse) => BitConverter.SingleToInt32Bits(mask) != 0 ? ifTrue : ifFalse;
    public static float Pow2Integer(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    public static float Exp(float x) => MathF.Exp(x);
    public static float Log(float x) => MathF.Log(x);
    public static float Tanh(float x) => MathF.Tanh(x);
    public static float Sum(float v) => v;
    public static float MaxAcross(float v) => v;
}
