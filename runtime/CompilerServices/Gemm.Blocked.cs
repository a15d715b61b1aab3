using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>The blocked, packed path (GotoBLAS/BLIS structure) shared by the three products.</summary>
public static partial class Gemm
{
    /// <summary>Slivers of A (row blocks of MR rows) from which a row-major B is packed rather than read in place: the
    /// copy costs about one pass over the block, which this many slivers repay.</summary>
    private const int MinSliversToPackB = 4;

    /// <summary>
    /// The operands in one strided form: A element <c>(i, p)</c> at <c>A[i · ARowStride + p · AColStride]</c>,
    /// B element <c>(p, j)</c> at <c>B[p · BRowStride + j · BColStride]</c>, C row-major <c>[M, N]</c>; and the
    /// blocking to use, so that worker threads of a split product use the caller's (tests pass explicit ones).
    /// </summary>
    private readonly unsafe struct Operands
    {
        public readonly float* A, B, C;
        public readonly nint ARowStride, AColStride, BRowStride, BColStride;
        public readonly int M, K, N;
        public readonly bool Accumulate;
        public readonly int DepthBlock, ColumnBlock, SmallMatrix;

        /// <summary>B already packed by <see cref="PackedDense.Pack"/> (panels of 16 columns, each <c>[K][16]</c> and a
        /// spacing line), or null.
        /// Used where the tile is 16 columns wide (AVX2), so that no product packs B again.</summary>
        public readonly float* PackedB;

        public Operands(float* a, nint aRowStride, nint aColStride, float* b, nint bRowStride, nint bColStride, float* c, int m, int k, int n, bool accumulate, in GemmBlocking blocking, float* packedB = null)
        {
            A = a; ARowStride = aRowStride; AColStride = aColStride;
            B = b; BRowStride = bRowStride; BColStride = bColStride; PackedB = packedB;
            C = c; M = m; K = k; N = n; Accumulate = accumulate;
            DepthBlock = blocking.DepthBlock; ColumnBlock = blocking.ColumnBlock; SmallMatrix = blocking.SmallMatrix;
        }
    }

    /// <summary>
    /// <c>C[i0..i1, j0..j1] (=|+=) A·B</c>, GotoBLAS-style: for each column block (NC) and depth block (KC) of
    /// <see cref="Operands"/>' blocking (see <see cref="GemmBlocking"/>; both split the range evenly), B is packed
    /// into zero-padded panels of NR = 2 vectors (read in place instead when row-major and the rows make fewer than
    /// <see cref="MinSliversToPackB"/> slivers; read from <see cref="Operands.PackedB"/> when prepacked), and the microkernel
    /// runs over every (sliver of MR rows of A, panel) pair, the sliver in L1 and the B block in L2. A is read in place
    /// (the microkernel takes any row and depth strides). Column edges take narrower vectors. Rows past the last whole
    /// sliver go a row at a time when B is row-major and they are one or two, or up to five with a small B (each row
    /// streams B); otherwise they share a sliver packed with zero rows (one more pass over the B block, in L2 by then).
    /// The depth blocks are visited in order and every tile after the first starts from C, so each element is the
    /// same k-ordered chain of fused multiply-adds whatever the blocking, the tile position or the split between threads.
    /// </summary>
    private static unsafe void Blocked<TVec, TOps, TKernel>(in Operands o, int i0, int i1, int j0, int j1)
        where TVec : struct
        where TOps : ISimdOps<TVec>
        where TKernel : IMicroKernel
    {
        int mr = TKernel.Rows, nr = 2 * TOps.Count;
        int kBlocks = (o.K + o.DepthBlock - 1) / o.DepthBlock;
        int kcMax = (o.K + kBlocks - 1) / kBlocks;
        int nBlocks = (j1 - j0 + o.ColumnBlock - 1) / o.ColumnBlock;
        int ncMax = RoundUp((j1 - j0 + nBlocks - 1) / nBlocks, nr);
        // A row-major B is read in place only for a few slivers of A: packed, each block is copied once and then read
        // contiguously by every sliver, where in place its rows lie 4·N bytes apart (2 KiB for 512 columns) and, a
        // power of two, fall into a few L1 sets that cannot hold a micro-panel (on Zen 3, M4's products: 62-64 GFLOP/s
        // in place, 84-85 packed, of 88).
        bool prepacked = o.PackedB != null && nr == PackedDense.PanelWidth;
        bool directB = !prepacked && o.BColStride == 1 && (i1 - i0) / mr < MinSliversToPackB;
        int remainder = (i1 - i0) % mr;
        bool remainderByRows = directB && (remainder <= 2 || (remainder <= 5 && (long)o.K * (j1 - j0) <= o.SmallMatrix));
        int iEnd = remainderByRows ? i1 - remainder : i1;

        // Scratch: one packed sliver of A (the last, short one), then the packed B block.
        float* packedA = Scratch(mr * kcMax + ncMax * kcMax);
        float* packedB = packedA + mr * kcMax;
        nint ldc = o.N, rs = o.ARowStride, aStep = o.AColStride;

        for (int jc = j0; jc < j1 && i0 < iEnd; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0; pc < o.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, o.K - pc);
                bool load = o.Accumulate || pc > 0;
                float* aBlock = o.A + pc * aStep;
                float* bBlock = o.B + pc * o.BRowStride + jc * o.BColStride;
                if (!directB && !prepacked) // prepacked: its panels were packed when the weights last changed
                {
                    PackB(bBlock, o.BRowStride, o.BColStride, kc, nc, nr, packedB);
                }
                else if (directB && nc % 4 != 0)
                {
                    // Read in place, except the last nc % 4 columns: a zero-padded panel 4 wide.
                    int tail = nc % 4;
                    PackB(bBlock + (nc - tail), o.BRowStride, 1, kc, tail, 4, packedB);
                }

                for (int i = i0; i < iEnd; i += mr)
                {
                    int rows = Math.Min(mr, iEnd - i);
                    float* ap = aBlock + i * rs;
                    nint apRs = rs, apStep = aStep;
                    if (rows < mr)
                    {
                        PackA(ap, rs, aStep, rows, kc, mr, packedA);
                        ap = packedA;
                        apRs = 1;
                        apStep = mr;
                    }

                    float* cRow = o.C + i * ldc + jc;
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bp, tailB;
                        nint bStep, tailStep;
                        if (prepacked)
                        {
                            // Panel (jc + jr) / 16 of the prepacked B, from depth pc: [kc][16] contiguous, zero-padded.
                            bp = o.PackedB + (nint)((jc + jr) / nr) * PackedDense.PanelStride(o.K) + (nint)pc * nr;
                            bStep = nr;
                            tailB = bp + (cols & ~3);
                            tailStep = nr;
                        }
                        else if (directB)
                        {
                            bp = bBlock + jr;
                            bStep = o.BRowStride;
                            tailB = packedB;
                            tailStep = 4;
                        }
                        else
                        {
                            bp = packedB + jr * kc;
                            bStep = nr;
                            tailB = bp + (cols & ~3);
                            tailStep = nr;
                        }

                        if (rows == mr && cols == nr)
                        {
                            TKernel.Run<TVec, TOps>(ap, apRs, apStep, bp, bStep, cRow + jr, ldc, kc, load);
                        }
                        else if (rows == mr)
                        {
                            EdgeColumns<TVec, TOps, TKernel>(ap, apRs, apStep, bp, bStep, tailB, tailStep, cRow + jr, ldc, cols, kc, load);
                        }
                        else
                        {
                            EdgeTile<TVec, TOps, TKernel>(ap, apRs, apStep, bp, bStep, tailB, tailStep, cRow + jr, ldc, rows, cols, kc, load);
                        }
                    }
                }
            }
        }

        if (iEnd < i1)
        {
            RowsDirect<TVec, TOps>(o, iEnd, i1, j0, j1);
        }
    }

    /// <summary>
    /// A full-height tile with fewer than NR columns: one vector of this width, then 8 and 4 columns with narrower
    /// vectors, all reading B where it lies, then the last one to three columns from <paramref name="tailB"/>
    /// (zero-padded to 4 columns, rows <paramref name="tailStep"/> apart) through a 4-column scratch tile.
    /// </summary>
    private static unsafe void EdgeColumns<TVec, TOps, TKernel>(
        float* a, nint rs, nint aStep, float* b, nint bStep, float* tailB, nint tailStep, float* c, nint ldc, int cols, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
        where TKernel : IMicroKernel
    {
        int w = TOps.Count, j = 0;
        if (cols - j >= w)
        {
            TKernel.RunNarrow<TVec, TOps>(a, rs, aStep, b, bStep, c, ldc, kc, load);
            j += w;
        }

        if (w > 8 && cols - j >= 8)
        {
            TKernel.RunNarrow<Vector256<float>, Vector256Ops>(a, rs, aStep, b + j, bStep, c + j, ldc, kc, load);
            j += 8;
        }

        if (w > 4 && cols - j >= 4)
        {
            TKernel.RunNarrow<Vector128<float>, Vector128Ops>(a, rs, aStep, b + j, bStep, c + j, ldc, kc, load);
            j += 4;
        }

        if (j < cols)
        {
            // One to three columns (so w >= 4): a 4-wide kernel on a scratch tile.
            int mr = TKernel.Rows, bytes = (cols - j) * sizeof(float);
            float* tile = stackalloc float[8 * 4];
            if (load)
            {
                for (int r = 0; r < mr; r++)
                {
                    Buffer.MemoryCopy(c + j + r * ldc, tile + r * 4, bytes, bytes);
                }
            }

            TKernel.RunNarrow<Vector128<float>, Vector128Ops>(a, rs, aStep, tailB, tailStep, tile, 4, kc, load);
            for (int r = 0; r < mr; r++)
            {
                Buffer.MemoryCopy(tile + r * 4, c + j + r * ldc, bytes, bytes);
            }
        }
    }

    /// <summary>A tile with fewer than MR rows (A packed with zero rows): the kernel runs on a scratch tile, then the valid part is copied.</summary>
    private static unsafe void EdgeTile<TVec, TOps, TKernel>(
        float* a, nint rs, nint aStep, float* b, nint bStep, float* tailB, nint tailStep, float* c, nint ldc, int rows, int cols, int kc, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
        where TKernel : IMicroKernel
    {
        int tileColumns = 2 * TOps.Count, bytes = cols * sizeof(float);
        float* tile = stackalloc float[MaxTileFloats];
        if (load)
        {
            for (int r = 0; r < rows; r++)
            {
                Buffer.MemoryCopy(c + r * ldc, tile + r * tileColumns, bytes, bytes);
            }
        }

        if (cols == tileColumns)
        {
            TKernel.Run<TVec, TOps>(a, rs, aStep, b, bStep, tile, tileColumns, kc, load);
        }
        else
        {
            EdgeColumns<TVec, TOps, TKernel>(a, rs, aStep, b, bStep, tailB, tailStep, tile, tileColumns, cols, kc, load);
        }

        for (int r = 0; r < rows; r++)
        {
            Buffer.MemoryCopy(tile + r * tileColumns, c + r * ldc, bytes, bytes);
        }
    }

    /// <summary>
    /// Packs a short sliver: rows <c>0..rows</c> (fewer than <paramref name="mr"/>) × depth <c>0..kc</c> of A (element
    /// <c>(i, p)</c> at <c>src[i · rs + p · cs]</c>) into <c>[kc][mr]</c>, padded with zero rows.
    /// </summary>
    private static unsafe void PackA(float* src, nint rs, nint cs, int rows, int kc, int mr, float* dst)
    {
        for (int p = 0; p < kc; p++)
        {
            float* d = dst + p * mr;
            int ii = 0;
            for (; ii < rows; ii++)
            {
                d[ii] = src[ii * rs + p * cs];
            }

            for (; ii < mr; ii++)
            {
                d[ii] = 0f;
            }
        }
    }

    /// <summary>
    /// Packs depth <c>0..kc</c> × columns <c>0..cols</c> of B (element <c>(p, j)</c> at <c>src[p · rs + j · cs]</c>)
    /// into panels of <paramref name="nr"/> columns, each <c>[kc][nr]</c>, the last padded with zero columns.
    /// </summary>
    private static unsafe void PackB(float* src, nint rs, nint cs, int kc, int cols, int nr, float* dst)
    {
        for (int j = 0; j < cols; j += nr)
        {
            int c = Math.Min(nr, cols - j);
            float* d = dst + j * kc;
            float* sp = src + j * cs;
            if (c == nr && cs == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    Buffer.MemoryCopy(sp + p * rs, d + p * nr, nr * sizeof(float), nr * sizeof(float));
                }
            }
            else if (c == nr && rs == 1 && nr % 8 == 0 && Avx.IsSupported)
            {
                // B stored transposed ([n, k]): 8 stored rows × 8 depths at a time, transposed in registers.
                for (int jj = 0; jj < nr; jj += 8)
                {
                    float* rows8 = sp + jj * cs;
                    int p = 0;
                    for (; p <= kc - 8; p += 8)
                    {
                        Transpose8x8(rows8 + p, cs, d + p * nr + jj, nr);
                    }

                    for (; p < kc; p++)
                    {
                        for (int r = 0; r < 8; r++)
                        {
                            d[p * nr + jj + r] = rows8[r * cs + p];
                        }
                    }
                }
            }
            else if (c == nr && rs == 1)
            {
                // B stored transposed ([n, k]): each stored row is one column of B, contiguous in p.
                for (int jj = 0; jj < nr; jj++)
                {
                    float* col = sp + jj * cs;
                    float* dd = d + jj;
                    for (int p = 0; p < kc; p++)
                    {
                        dd[p * nr] = col[p];
                    }
                }
            }
            else
            {
                // A last, partial panel: the edge kernels read at most its first c columns rounded up to 4.
                int padded = Math.Min(nr, RoundUp(c, 4));
                for (int p = 0; p < kc; p++)
                {
                    float* dd = d + p * nr;
                    int jj = 0;
                    for (; jj < c; jj++)
                    {
                        dd[jj] = sp[p * rs + jj * cs];
                    }

                    for (; jj < padded; jj++)
                    {
                        dd[jj] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Writes the transpose of the 8 × 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart)
    /// to <paramref name="destination"/> (rows <paramref name="destinationStride"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* source, nint sourceStride, float* destination, nint destinationStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + sourceStride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2 * sourceStride), r3 = Avx.LoadVector256(source + 3 * sourceStride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4 * sourceStride), r5 = Avx.LoadVector256(source + 5 * sourceStride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6 * sourceStride), r7 = Avx.LoadVector256(source + 7 * sourceStride);

        // Interleave pairs of rows, then pairs of pairs: uq holds column q (and q + 4) of each 4-row half.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(destination, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(destination + destinationStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(destination + 2 * destinationStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(destination + 3 * destinationStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(destination + 4 * destinationStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(destination + 5 * destinationStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(destination + 6 * destinationStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(destination + 7 * destinationStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>The largest tile: 8 rows × 2 vectors of 16 floats.</summary>
    private const int MaxTileFloats = 8 * 32;

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    [ThreadStatic]
    private static float[]? t_scratch;

    /// <summary>
    /// This thread's packing buffer, 64-byte aligned, at least <paramref name="floats"/> long. It lives on the pinned
    /// object heap, so its address is stable; it grows when a larger problem comes and is then reused.
    /// </summary>
    private static unsafe float* Scratch(int floats)
    {
        float[]? buffer = t_scratch;
        if (buffer is null || buffer.Length < floats + 16)
        {
            buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            t_scratch = buffer;
        }

        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nuint)63);
    }
}
