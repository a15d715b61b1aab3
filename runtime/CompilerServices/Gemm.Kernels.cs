using System.Runtime.CompilerServices;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// A register-blocked microkernel: a <see cref="Rows"/> × (2 vectors) tile of C kept in registers while it sums
/// <c>kc</c> rank-1 updates, or a <see cref="Rows"/> × (1 vector) tile for narrow edges. Written once over
/// <c>(TVec, TOps)</c> so that one kernel serves every width.
/// </summary>
/// <remarks>
/// Operands are read through raw pointers: A element <c>(ii, p)</c> at <c>a[ii * rs + p * aStep]</c> (a packed sliver,
/// <c>rs</c> = 1 and <c>aStep</c> = <see cref="Rows"/>, or A read in place, row-major or column-major); B element <c>(p, jj)</c> at
/// <c>b[p * bStep + jj]</c> (a packed panel or a row-major B read in place); C element <c>(ii, jj)</c> at
/// <c>c[ii * ldc + jj]</c>. Each C element is one chain of fused multiply-adds in <c>p</c> order, starting from C
/// (<c>load</c>) or from zero: <c>c = fma(a(ii, p), b(p, jj), c)</c>.
/// </remarks>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of C per tile (MR).</summary>
    static abstract int Rows { get; }

    /// <summary>A <see cref="Rows"/> × <c>2 · TOps.Count</c> tile.</summary>
    static abstract void Run<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>;

    /// <summary>A <see cref="Rows"/> × <c>TOps.Count</c> tile.</summary>
    static abstract void RunNarrow<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>;
}

/// <summary>8 rows × 2 vectors: 16 accumulators (for machines with 32 vector registers).</summary>
internal readonly unsafe struct Kernel8 : IMicroKernel
{
    public static int Rows => 8;

    public static void Run<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count;
        TVec c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (load)
        {
            float* r = c;
            c00 = Unsafe.ReadUnaligned<TVec>(r); c01 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c10 = Unsafe.ReadUnaligned<TVec>(r); c11 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c20 = Unsafe.ReadUnaligned<TVec>(r); c21 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c30 = Unsafe.ReadUnaligned<TVec>(r); c31 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c40 = Unsafe.ReadUnaligned<TVec>(r); c41 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c50 = Unsafe.ReadUnaligned<TVec>(r); c51 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c60 = Unsafe.ReadUnaligned<TVec>(r); c61 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c70 = Unsafe.ReadUnaligned<TVec>(r); c71 = Unsafe.ReadUnaligned<TVec>(r + w);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = TOps.Create(0f);
        }

        nint rs2 = rs * 2, rs3 = rs * 3;
        float* a4 = a + rs * 4;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = Unsafe.ReadUnaligned<TVec>(b), b1 = Unsafe.ReadUnaligned<TVec>(b + w);
            TVec x = TOps.Create(a[0]); c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Create(a[rs]); c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Create(a[rs2]); c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Create(a[rs3]); c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Create(a4[0]); c40 = TOps.MultiplyAdd(x, b0, c40); c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Create(a4[rs]); c50 = TOps.MultiplyAdd(x, b0, c50); c51 = TOps.MultiplyAdd(x, b1, c51);
            x = TOps.Create(a4[rs2]); c60 = TOps.MultiplyAdd(x, b0, c60); c61 = TOps.MultiplyAdd(x, b1, c61);
            x = TOps.Create(a4[rs3]); c70 = TOps.MultiplyAdd(x, b0, c70); c71 = TOps.MultiplyAdd(x, b1, c71);
            a += aStep;
            a4 += aStep;
            b += bStep;
        }

        float* s = c;
        Unsafe.WriteUnaligned(s, c00); Unsafe.WriteUnaligned(s + w, c01); s += ldc;
        Unsafe.WriteUnaligned(s, c10); Unsafe.WriteUnaligned(s + w, c11); s += ldc;
        Unsafe.WriteUnaligned(s, c20); Unsafe.WriteUnaligned(s + w, c21); s += ldc;
        Unsafe.WriteUnaligned(s, c30); Unsafe.WriteUnaligned(s + w, c31); s += ldc;
        Unsafe.WriteUnaligned(s, c40); Unsafe.WriteUnaligned(s + w, c41); s += ldc;
        Unsafe.WriteUnaligned(s, c50); Unsafe.WriteUnaligned(s + w, c51); s += ldc;
        Unsafe.WriteUnaligned(s, c60); Unsafe.WriteUnaligned(s + w, c61); s += ldc;
        Unsafe.WriteUnaligned(s, c70); Unsafe.WriteUnaligned(s + w, c71);
    }

    public static void RunNarrow<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec c0, c1, c2, c3, c4, c5, c6, c7;
        if (load)
        {
            float* r = c;
            c0 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c1 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c2 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c3 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c4 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c5 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c6 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c7 = Unsafe.ReadUnaligned<TVec>(r);
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = TOps.Create(0f);
        }

        nint rs2 = rs * 2, rs3 = rs * 3;
        float* a4 = a + rs * 4;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = Unsafe.ReadUnaligned<TVec>(b);
            c0 = TOps.MultiplyAdd(TOps.Create(a[0]), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Create(a[rs]), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Create(a[rs2]), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Create(a[rs3]), b0, c3);
            c4 = TOps.MultiplyAdd(TOps.Create(a4[0]), b0, c4);
            c5 = TOps.MultiplyAdd(TOps.Create(a4[rs]), b0, c5);
            c6 = TOps.MultiplyAdd(TOps.Create(a4[rs2]), b0, c6);
            c7 = TOps.MultiplyAdd(TOps.Create(a4[rs3]), b0, c7);
            a += aStep;
            a4 += aStep;
            b += bStep;
        }

        float* s = c;
        Unsafe.WriteUnaligned(s, c0); s += ldc;
        Unsafe.WriteUnaligned(s, c1); s += ldc;
        Unsafe.WriteUnaligned(s, c2); s += ldc;
        Unsafe.WriteUnaligned(s, c3); s += ldc;
        Unsafe.WriteUnaligned(s, c4); s += ldc;
        Unsafe.WriteUnaligned(s, c5); s += ldc;
        Unsafe.WriteUnaligned(s, c6); s += ldc;
        Unsafe.WriteUnaligned(s, c7);
    }
}

/// <summary>6 rows × 2 vectors: 12 accumulators, which with the two B vectors and a broadcast fit in 16 registers (AVX2, SSE).</summary>
internal readonly unsafe struct Kernel6 : IMicroKernel
{
    public static int Rows => 6;

    public static void Run<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count;
        TVec c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (load)
        {
            float* r = c;
            c00 = Unsafe.ReadUnaligned<TVec>(r); c01 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c10 = Unsafe.ReadUnaligned<TVec>(r); c11 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c20 = Unsafe.ReadUnaligned<TVec>(r); c21 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c30 = Unsafe.ReadUnaligned<TVec>(r); c31 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c40 = Unsafe.ReadUnaligned<TVec>(r); c41 = Unsafe.ReadUnaligned<TVec>(r + w); r += ldc;
            c50 = Unsafe.ReadUnaligned<TVec>(r); c51 = Unsafe.ReadUnaligned<TVec>(r + w);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = TOps.Create(0f);
        }

        nint rs2 = rs * 2, rs3 = rs * 3;
        float* a4 = a + rs * 4;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = Unsafe.ReadUnaligned<TVec>(b), b1 = Unsafe.ReadUnaligned<TVec>(b + w);
            TVec x = TOps.Create(a[0]); c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Create(a[rs]); c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Create(a[rs2]); c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Create(a[rs3]); c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Create(a4[0]); c40 = TOps.MultiplyAdd(x, b0, c40); c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Create(a4[rs]); c50 = TOps.MultiplyAdd(x, b0, c50); c51 = TOps.MultiplyAdd(x, b1, c51);
            a += aStep;
            a4 += aStep;
            b += bStep;
        }

        float* s = c;
        Unsafe.WriteUnaligned(s, c00); Unsafe.WriteUnaligned(s + w, c01); s += ldc;
        Unsafe.WriteUnaligned(s, c10); Unsafe.WriteUnaligned(s + w, c11); s += ldc;
        Unsafe.WriteUnaligned(s, c20); Unsafe.WriteUnaligned(s + w, c21); s += ldc;
        Unsafe.WriteUnaligned(s, c30); Unsafe.WriteUnaligned(s + w, c31); s += ldc;
        Unsafe.WriteUnaligned(s, c40); Unsafe.WriteUnaligned(s + w, c41); s += ldc;
        Unsafe.WriteUnaligned(s, c50); Unsafe.WriteUnaligned(s + w, c51);
    }

    public static void RunNarrow<TVec, TOps>(float* a, nint rs, nint aStep, float* b, nint bStep, float* c, nint ldc, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        TVec c0, c1, c2, c3, c4, c5;
        if (load)
        {
            float* r = c;
            c0 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c1 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c2 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c3 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c4 = Unsafe.ReadUnaligned<TVec>(r); r += ldc;
            c5 = Unsafe.ReadUnaligned<TVec>(r);
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = TOps.Create(0f);
        }

        nint rs2 = rs * 2, rs3 = rs * 3;
        float* a4 = a + rs * 4;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = Unsafe.ReadUnaligned<TVec>(b);
            c0 = TOps.MultiplyAdd(TOps.Create(a[0]), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Create(a[rs]), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Create(a[rs2]), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Create(a[rs3]), b0, c3);
            c4 = TOps.MultiplyAdd(TOps.Create(a4[0]), b0, c4);
            c5 = TOps.MultiplyAdd(TOps.Create(a4[rs]), b0, c5);
            a += aStep;
            a4 += aStep;
            b += bStep;
        }

        float* s = c;
        Unsafe.WriteUnaligned(s, c0); s += ldc;
        Unsafe.WriteUnaligned(s, c1); s += ldc;
        Unsafe.WriteUnaligned(s, c2); s += ldc;
        Unsafe.WriteUnaligned(s, c3); s += ldc;
        Unsafe.WriteUnaligned(s, c4); s += ldc;
        Unsafe.WriteUnaligned(s, c5);
    }
}
