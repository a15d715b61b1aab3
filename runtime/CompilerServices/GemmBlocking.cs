using System;

namespace ModelGen.CompilerServices;

/// <summary>
/// The cache blocking of the GEMM (<see cref="Gemm"/>'s blocked path): the depth of a block (KC), the columns of a
/// block (NC) and the size below which B counts as small. Derived once at start-up from the running processor's cache
/// sizes and its row of <see cref="CpuFamily.Table"/> (<see cref="Current"/>), by the GotoBLAS/BLIS analytic model:
/// KC so that one <c>MR × KC</c> sliver of A (read again for every panel of B, so it should stay in L1) and the
/// <c>KC × NR</c> micro-panel of B streaming past it fit in the row's share of L1d; NC so that the <c>KC × NC</c>
/// block of B (read again for every sliver of A, so it should stay in L2) fits in the row's share of L2.
/// </summary>
/// <remarks>
/// The blocking changes speed only, never a bit of a result: every element of C is one k-ordered chain of fused
/// multiply-adds whatever KC and NC are (the depth blocks are visited in order and every tile after the first starts
/// from C), which the tests check with tiny, derived and huge blockings.
/// </remarks>
internal readonly struct GemmBlocking
{
    /// <summary>Bounds of KC: below 128 the C tile is reloaded too often (once per KC rank-1 updates); above 512 nothing fits L1 anywhere.</summary>
    internal const int MinDepth = 128, MaxDepth = 512;

    /// <summary>Bounds of NC: below 128 A is re-streamed from L3 too often; 4096 keeps the packing buffer modest.</summary>
    internal const int MinColumns = 128, MaxColumns = 4096;

    /// <summary>The blocking of the running machine, derived once from <see cref="CpuInfo.Current"/>.</summary>
    public static readonly GemmBlocking Current = For(CpuInfo.Current);

    /// <summary>Depth of a block (KC): rank-1 updates a C tile takes per visit; the <c>MR × KC</c> sliver of A stays in L1.</summary>
    public int DepthBlock { get; }

    /// <summary>Columns of a block (NC), a multiple of the tile width: the <c>KC × NC</c> block of B stays in L2.</summary>
    public int ColumnBlock { get; }

    /// <summary>Values of B up to which B counts as small, so that a few leftover rows stream it a row at a time instead of packing a sliver.</summary>
    public int SmallMatrix { get; }

    /// <summary>The row of <see cref="CpuFamily.Table"/> the values came from.</summary>
    public string Family { get; }

    /// <summary>The L1d size (bytes) the values were derived from.</summary>
    public int L1DataBytes { get; }

    /// <summary>The L2 size (bytes) the values were derived from.</summary>
    public int L2Bytes { get; }

    /// <summary>How the values were derived, for diagnostics and benchmark reports.</summary>
    public string Reason { get; }

    /// <summary>A blocking with explicit values (tests use tiny and huge ones; <paramref name="columnBlock"/> is rounded up to tiles by the GEMM).</summary>
    internal GemmBlocking(int depthBlock, int columnBlock, int smallMatrix, string family, int l1DataBytes, int l2Bytes, string reason)
    {
        DepthBlock = Math.Max(1, depthBlock);
        ColumnBlock = Math.Max(1, columnBlock);
        SmallMatrix = Math.Max(0, smallMatrix);
        Family = family;
        L1DataBytes = l1DataBytes;
        L2Bytes = l2Bytes;
        Reason = reason;
    }

    /// <summary>
    /// The blocking for a processor (a pure function, so tests can feed it fake ones): with MR and NR the microkernel
    /// tile the GEMM runs there, <c>KC = L1d · share₁ / (4 B · (MR + NR))</c> rounded down to a multiple of 8 (the
    /// packing transposes 8 depths at a time) and clamped to 128..512, then <c>NC = L2 · share₂ / (4 B · KC)</c> rounded
    /// down to a multiple of NR and clamped to 128..4096.
    /// </summary>
    public static GemmBlocking For(in CpuDescription cpu)
    {
        CpuFamily row = CpuFamily.Of(cpu);
        int mr = cpu.KernelRows, nr = cpu.KernelColumns;
        long l1Budget = (long)Math.Max(cpu.L1DataBytes, 0) * row.L1Share.Numerator / row.L1Share.Denominator;
        long kc = l1Budget / (sizeof(float) * (mr + nr)) / 8 * 8;
        kc = Math.Clamp(kc, MinDepth, MaxDepth);
        long l2Budget = (long)Math.Max(cpu.L2Bytes, 0) * row.L2Share.Numerator / row.L2Share.Denominator;
        long nc = l2Budget / (sizeof(float) * kc) / nr * nr;
        nc = Math.Clamp(nc, MinColumns, MaxColumns);
        string reason =
            $"{row.Name} ({cpu.Vendor} family {cpu.Family} model {cpu.Model}), {mr}x{nr} microkernel: " +
            $"KC = {cpu.L1DataBytes / 1024} KiB L1d x {row.L1Share.Numerator}/{row.L1Share.Denominator} / ({mr}+{nr})x4 B = {kc}; " +
            $"NC = {cpu.L2Bytes / 1024} KiB L2 x {row.L2Share.Numerator}/{row.L2Share.Denominator} / (KC x 4 B) = {nc}; caches from {cpu.CacheSource}";
        return new GemmBlocking((int)kc, (int)nc, row.SmallMatrix, row.Name, cpu.L1DataBytes, cpu.L2Bytes, reason);
    }

    /// <inheritdoc/>
    public override string ToString() => Reason;
}

/// <summary>
/// One row of the per-family GEMM parameters: the shares of L1d and L2 the blocking may fill, and the family's
/// documented cache sizes and microkernel (used when the caches cannot be read, and by the tests' fake processors).
/// </summary>
/// <param name="Name">The family, as reports name it.</param>
/// <param name="L1Share">Share of L1d for the A sliver plus the B micro-panel (numerator, denominator).</param>
/// <param name="L2Share">Share of L2 for the <c>KC × NC</c> block of B.</param>
/// <param name="SmallMatrix">Values of B up to which B is small (see <see cref="GemmBlocking.SmallMatrix"/>).</param>
/// <param name="TypicalL1DataBytes">The family's documented per-core L1d.</param>
/// <param name="TypicalL2Bytes">The family's documented per-core L2.</param>
/// <param name="TypicalVectorBits">The vector width .NET uses there (<c>Vector512.IsHardwareAccelerated</c> or not).</param>
/// <param name="TypicalVectorRegisters">Vector registers there (32 with AVX-512: the 8 × 2 microkernel; 16: the 6 × 2 one).</param>
internal sealed record CpuFamily(
    string Name, (int Numerator, int Denominator) L1Share, (int Numerator, int Denominator) L2Share, int SmallMatrix,
    int TypicalL1DataBytes, int TypicalL2Bytes, int TypicalVectorBits, int TypicalVectorRegisters)
{
    private const int KiB = 1024, MiB = 1024 * 1024;

    /// <summary>
    /// B up to 16K values (64 KiB) is small everywhere: the crossover between streaming B once per leftover row and
    /// packing one zero-padded sliver was measured on Zen 3 and is a property of the code paths more than of the cache
    /// (64 KiB streams from L2 on every family here); not re-measured per family.
    /// </summary>
    private const int Small = 16 * 1024;

    /// <summary>
    /// The parameters per family, and why. Shares follow the analytic model (Low et al., "Analytical modeling is enough
    /// for high-performance BLIS", 2016): the resident A sliver and the streaming B micro-panel may fill all L1 ways
    /// but one (kept for the next micro-panel's lines as they arrive), less one more on 8-way caches because A is read
    /// in place, unpacked, so its rows start mid-line and touch up to MR extra lines, and the C tile needs lines too.
    /// The B block takes half of L2: the other half holds the A slivers streaming in from L3, the C tiles, and, on
    /// L2s inclusive of L1, L1's copies. Per-core numbers are one cache instance (KVM's lscpu "1 MiB (2 instances)" is
    /// 512 KiB a core). The microkernel is chosen by the ISA, not here: 8 × 2 vectors with AVX-512's 32 registers,
    /// 6 × 2 with AVX2's 16.
    /// </summary>
    internal static readonly CpuFamily[] Table =
    [
        // Intel Xeon Sapphire Rapids (family 6 model 143), Emerald Rapids (207), Granite Rapids (173, 174): 48 KiB
        // 12-way L1d, 2 MiB 16-way L2 per core, two 512-bit FMA ports (p0, p5). A broadcast from a register would need
        // p5 too and cost FMA throughput; the microkernel's broadcasts read A from memory (TOps.Create(a[i]) becomes
        // vbroadcastss reg, m32, which runs on the load ports alone: checked with DOTNET_JitDisasm for ymm on Zen 3,
        // the zmm form is the same lowering), so 8 × 2 zmm keeps both FMA ports busy. 10 of 12 ways:
        // 40 KiB / ((8 + 32) · 4 B) = KC 256.
        // Half of the 2 MiB L2 for B: NC 1024, so one block covers a 1024-wide layer and A streams once per depth block.
        new("Intel Sapphire/Emerald Rapids", (5, 6), (1, 2), Small, 48 * KiB, 2 * MiB, 512, 32),

        // Intel's other AVX-512 servers: Skylake-SP/Cascade Lake (32 KiB 8-way L1d, 1 MiB 16-way L2; .NET prefers
        // 256-bit vectors there, as 512-bit ones lower the clock, but the 32 registers still give the 8-row kernel)
        // and Ice Lake-SP (48 KiB 12-way, 1.25 MiB 20-way). The 8-way Skylake-SP bounds the L1 share: 3/4.
        // Typical sizes are Ice Lake-SP's: KC 230 → 224; Skylake-SP gets KC 256, NC 512.
        new("Intel AVX-512 (Skylake-SP to Ice Lake-SP)", (3, 4), (1, 2), Small, 48 * KiB, 1280 * KiB, 512, 32),

        // Intel AVX2 parts (Haswell to Comet Lake clients and Xeon E5 v3/v4; Alder Lake and later P-cores without
        // AVX-512): 32 KiB 8-way L1d (48 KiB 12-way on Alder Lake), 256 KiB 4-way L2 on Skylake clients, up to
        // 1.25-2 MiB later. Two 256-bit FMA ports, 16 registers: 6 × 16. 3/4 of a 32 KiB L1d: KC 272; half of
        // 256 KiB gives NC 120, clamped to 128 (a narrower block would re-stream A more than it saves).
        new("Intel AVX2", (3, 4), (1, 2), Small, 32 * KiB, 256 * KiB, 256, 16),

        // AMD Zen 3 (family 25 models 0-15, 32-63, 64-95: Milan, Vermeer, Cezanne, Rembrandt), and Zen 2 (family 23)
        // with the same geometry: 32 KiB 8-way L1d, 512 KiB 8-way L2 inclusive of L1, two 256-bit FMA pipes,
        // AVX2 only: 6 × 16. 3/4 of L1d: 24 KiB / 88 B = KC 272; half of L2: NC 240.
        new("AMD Zen 3", (3, 4), (1, 2), Small, 32 * KiB, 512 * KiB, 256, 16),

        // AMD Zen 4 (family 25 models 16-31, 96-127, 160-175: Genoa, Raphael, Phoenix, Bergamo): AVX-512 executed as
        // two 256-bit halves on the same two FMA pipes, so a zmm FMA costs two slots, but the 32 registers allow
        // 8 × 32 and halve the loads per FMA. 32 KiB 8-way L1d: 3/4 is 24 KiB / 160 B = KC 152 (a shallower block,
        // since the 8 × 32 tile's sliver and panel are 160 B per depth); 1 MiB 8-way L2, half: NC 832.
        new("AMD Zen 4", (3, 4), (1, 2), Small, 32 * KiB, 1 * MiB, 512, 32),

        // AMD Zen 5 (family 26: Turin, Granite Ridge): a full 512-bit datapath, 48 KiB 12-way L1d, 1 MiB 16-way L2.
        // Like Sapphire Rapids in L1: 10 of 12 ways, KC 256; half of L2: NC 512.
        new("AMD Zen 5", (5, 6), (1, 2), Small, 48 * KiB, 1 * MiB, 512, 32),

        // Anything else (other vendors, Arm64, older AMD families, a hypervisor hiding the family): the caches' ways
        // are unknown and their sizes may be invented, so half of each. With the fallback 32 KiB / 512 KiB and AVX2:
        // KC 184, NC 352.
        new("unknown", (1, 2), (1, 2), Small, 32 * KiB, 512 * KiB, 256, 16),
    ];

    /// <summary>The row for Sapphire Rapids and its successors.</summary>
    internal static CpuFamily SapphireRapids => Table[0];

    /// <summary>The row for Intel's other AVX-512 parts.</summary>
    internal static CpuFamily IntelAvx512 => Table[1];

    /// <summary>The row for Intel's AVX2 parts.</summary>
    internal static CpuFamily IntelAvx2 => Table[2];

    /// <summary>The row for Zen 2 and Zen 3.</summary>
    internal static CpuFamily Zen3 => Table[3];

    /// <summary>The row for Zen 4.</summary>
    internal static CpuFamily Zen4 => Table[4];

    /// <summary>The row for Zen 5.</summary>
    internal static CpuFamily Zen5 => Table[5];

    /// <summary>The row for everything else.</summary>
    internal static CpuFamily Unknown => Table[6];

    /// <summary>The row of a processor, from its vendor, family and model (and AVX-512 for Intel's older servers).</summary>
    internal static CpuFamily Of(in CpuDescription cpu) => cpu.Vendor switch
    {
        "GenuineIntel" when cpu.Family == 6 && cpu.Model is 143 or 207 or 173 or 174 => SapphireRapids,
        "GenuineIntel" when cpu.Avx512 => IntelAvx512,
        "GenuineIntel" => IntelAvx2,
        "AuthenticAMD" when cpu.Family == 23 => Zen3,
        "AuthenticAMD" when cpu.Family == 25 && cpu.Model is (>= 16 and <= 31) or (>= 96 and <= 127) or (>= 160 and <= 175) => Zen4,
        "AuthenticAMD" when cpu.Family == 25 => Zen3,
        "AuthenticAMD" when cpu.Family == 26 => Zen5,
        _ => Unknown,
    };

    /// <summary>A fake processor of this family with its documented caches and ISA (for tests and the fallback).</summary>
    internal CpuDescription Typical(string vendor, int family, int model) =>
        new(vendor, family, model, TypicalL1DataBytes, TypicalL2Bytes, TypicalVectorBits, TypicalVectorRegisters, TypicalVectorRegisters == 32, "documented");
}
