using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.CompilerServices.Simd;

/// <summary>The <see cref="Vector512{T}"/> path (runs in software where the hardware lacks it, which the tests use).</summary>
internal readonly struct Vector512Ops : ISimdOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ReadOnlySpan<float> source, int index) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, Span<float> destination, int index) =>
        value.StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)index);

    public static Vector512<float> Create(float value) => Vector512.Create(value);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) :
        Fma.IsSupported ? Vector512.Create(Fma.MultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()), Fma.MultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper())) :
        a * b + c;

    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    public static Vector512<float> MaxNative(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Max(a, b) : Vector512.Max(a, b);
    public static Vector512<float> MinNative(Vector512<float> a, Vector512<float> b) =>
        Avx512F.IsSupported ? Avx512F.Min(a, b) : Vector512.Min(a, b);
    public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);
    public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);
    public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);

    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> ifTrue, Vector512<float> ifFalse) =>
        Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    public static Vector512<float> Pow2Integer(Vector512<float> n) =>
        Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();

    public static Vector512<float> Exp(Vector512<float> x) => SimdMath.Exp<Vector512<float>, Vector512Ops>(x);

    public static Vector512<float> Log(Vector512<float> x) => SimdMath.Log<Vector512<float>, Vector512Ops>(x);
    public static Vector512<float> Tanh(Vector512<float> x) => SimdMath.Tanh<Vector512<float>, Vector512Ops>(x);
    public static float Sum(Vector512<float> v) => Vector512.Sum(v);

    public static float MaxAcross(Vector512<float> v)
    {
        float max = v.GetElement(0);
        for (int i = 1; i < Vector512<float>.Count; i++)
        {
            max = MathF.Max(max, v.GetElement(i));
        }

        return max;
    }
}
