using System;
using System.Runtime.Intrinsics;

namespace ModelGen.CompilerServices.Simd;

/// <summary>The widest vector path a kernel may use; tests pick each one explicitly.</summary>
internal enum SimdWidth
{
    /// <summary>Only the scalar reference path.</summary>
    Scalar = 0,
    /// <summary><see cref="Vector128{T}"/>, then the scalar tail.</summary>
    V128 = 128,
    /// <summary><see cref="Vector256{T}"/>, then 128, then scalar.</summary>
    V256 = 256,
    /// <summary><see cref="Vector512{T}"/>, then 256, 128, scalar.</summary>
    V512 = 512,
}

/// <summary>Picks the widest hardware-accelerated width once per process.</summary>
internal static class SimdDispatch
{
    /// <summary>The width the public entry points use: the widest one the hardware accelerates.</summary>
    public static readonly SimdWidth Best =
        Vector512.IsHardwareAccelerated ? SimdWidth.V512 :
        Vector256.IsHardwareAccelerated ? SimdWidth.V256 :
        Vector128.IsHardwareAccelerated ? SimdWidth.V128 :
        SimdWidth.Scalar;
}
