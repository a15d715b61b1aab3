using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Intrinsics.X86;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using ModelGen.Tests.Threading;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The GEMM's cache blocking (<see cref="GemmBlocking"/>): the table's derived values for fake processors of each
/// family, detection on the running machine, and that no blocking changes a bit of any product. Runs alone (the
/// threading collection): its two-thread products would hold the GEMM's worker pool while GemmTests checks that a
/// warm parallel product allocates nothing, and a caller that finds the pool busy runs alone and grows its own buffer.
/// </summary>
[Collection(ThreadingCollection.Name)]
public class GemmBlockingTests(ITestOutputHelper output)
{
    public enum Product { Multiply, TransposeA, TransposeB }

    /// <summary>Fake processors of every row, with the numbers the formula gives for them.</summary>
    public static IEnumerable<object[]> FakeCpus()
    {
        // name, vendor, family, model, L1d KiB, L2 KiB, vector bits, registers, expected row, KC, NC
        yield return new object[] { "Sapphire Rapids", "GenuineIntel", 6, 143, 48, 2048, 512, 32, "Intel Sapphire/Emerald Rapids", 256, 1024 };
        yield return new object[] { "Emerald Rapids", "GenuineIntel", 6, 207, 48, 2048, 512, 32, "Intel Sapphire/Emerald Rapids", 256, 1024 };
        yield return new object[] { "Ice Lake-SP", "GenuineIntel", 6, 106, 48, 1280, 512, 32, "Intel AVX-512 (Skylake-SP to Ice Lake-SP)", 224, 704 };
        yield return new object[] { "Skylake-SP (256-bit vectors preferred)", "GenuineIntel", 6, 85, 32, 1024, 256, 32, "Intel AVX-512 (Skylake-SP to Ice Lake-SP)", 256, 512 };
        yield return new object[] { "Skylake client", "GenuineIntel", 6, 94, 32, 256, 256, 16, "Intel AVX2", 272, 128 };
        yield return new object[] { "Zen 3 (Milan)", "AuthenticAMD", 25, 1, 32, 512, 256, 16, "AMD Zen 3", 272, 240 };
        yield return new object[] { "Zen 3 (Vermeer)", "AuthenticAMD", 25, 33, 32, 512, 256, 16, "AMD Zen 3", 272, 240 };
        yield return new object[] { "Zen 2 (Rome)", "AuthenticAMD", 23, 49, 32, 512, 256, 16, "AMD Zen 3", 272, 240 };
        yield return new object[] { "Zen 4 (Genoa)", "AuthenticAMD", 25, 17, 32, 1024, 512, 32, "AMD Zen 4", 152, 832 };
        yield return new object[] { "Zen 4 (Raphael)", "AuthenticAMD", 25, 97, 32, 1024, 512, 32, "AMD Zen 4", 152, 832 };
        yield return new object[] { "Zen 5 (Turin)", "AuthenticAMD", 26, 2, 48, 1024, 512, 32, "AMD Zen 5", 256, 512 };
        yield return new object[] { "unknown x86", "unknown", 0, 0, 32, 512, 256, 16, "unknown", 184, 352 };
        yield return new object[] { "Arm64 (128-bit, 32 registers)", "Arm64", 0, 0, 32, 512, 128, 32, "unknown", 256, 256 };
        yield return new object[] { "nothing known, no caches", "unknown", 0, 0, 0, 0, 256, 16, "unknown", 128, 128 };
        yield return new object[] { "huge caches", "unknown", 0, 0, 1024, 65536, 256, 16, "unknown", 512, 4096 };
    }

    [Theory]
    [MemberData(nameof(FakeCpus))]
    public void TheTableGivesTheExpectedBlockingForFakeCpus(
        string name, string vendor, int family, int model, int l1KiB, int l2KiB, int vectorBits, int registers, string row, int kc, int nc)
    {
        var cpu = new CpuDescription(vendor, family, model, l1KiB * 1024, l2KiB * 1024, vectorBits, registers, registers == 32 && vendor != "Arm64", "fake");
        GemmBlocking blocking = GemmBlocking.For(cpu);
        Assert.Equal(row, CpuFamily.Of(cpu).Name);
        Assert.Equal(row, blocking.Family);
        Assert.Equal(kc, blocking.DepthBlock);
        Assert.Equal(nc, blocking.ColumnBlock);
        Assert.InRange(blocking.DepthBlock, GemmBlocking.MinDepth, GemmBlocking.MaxDepth);
        Assert.InRange(blocking.ColumnBlock, GemmBlocking.MinColumns, GemmBlocking.MaxColumns);
        Assert.Equal(0, blocking.DepthBlock % 8);
        Assert.Equal(0, blocking.ColumnBlock % cpu.KernelColumns);
        Assert.Equal(16 * 1024, blocking.SmallMatrix);
        Assert.Contains(row, blocking.Reason);
        _ = name;
    }

    [Fact]
    public void EveryRowsDocumentedProcessorGetsABlockingWithinTheClamps()
    {
        foreach (CpuFamily row in CpuFamily.Table)
        {
            GemmBlocking blocking = GemmBlocking.For(row.Typical("fake", 0, 0));
            Assert.InRange(blocking.DepthBlock, GemmBlocking.MinDepth, GemmBlocking.MaxDepth);
            Assert.InRange(blocking.ColumnBlock, GemmBlocking.MinColumns, GemmBlocking.MaxColumns);
            long bytesPerDepth = sizeof(float) * (row.TypicalVectorRegisters == 32 ? 8 + 2 * row.TypicalVectorBits / 32 : 6 + 2 * row.TypicalVectorBits / 32);
            if (blocking.DepthBlock > GemmBlocking.MinDepth)
            {
                // The sliver of A and the micro-panel of B fit in the row's share of L1d.
                Assert.True(blocking.DepthBlock * bytesPerDepth <= (long)row.TypicalL1DataBytes * row.L1Share.Numerator / row.L1Share.Denominator, row.Name);
            }

            if (blocking.ColumnBlock > GemmBlocking.MinColumns)
            {
                // The block of B fits in the row's share of L2.
                Assert.True((long)blocking.DepthBlock * blocking.ColumnBlock * sizeof(float) <= (long)row.TypicalL2Bytes * row.L2Share.Numerator / row.L2Share.Denominator, row.Name);
            }
        }
    }

    [Fact]
    public void DetectionDescribesTheRunningMachine()
    {
        CpuDescription cpu = CpuInfo.Current;
        Assert.False(string.IsNullOrEmpty(cpu.Vendor));
        Assert.True(CpuInfo.Believable(cpu.L1DataBytes, cpu.L2Bytes), cpu.ToString());
        Assert.False(string.IsNullOrEmpty(cpu.CacheSource));
        if (X86Base.IsSupported)
        {
            Assert.True(cpu.Family > 0, cpu.ToString());
            Assert.Equal(Avx512F.IsSupported ? 8 : 6, cpu.KernelRows);
        }

        Assert.Equal(2 * Math.Max((int)SimdDispatch.Best, 32) / 32, cpu.KernelColumns);

        // Where Linux describes the caches, CPUID's answer agrees with it (sysfs reads the same leaves; under KVM
        // here, lscpu's "L2 1 MiB (2 instances)" is 512 KiB a core, as both say).
        (int sysL1, int sysL2) = CpuInfo.CachesFromSys();
        if (CpuInfo.Believable(sysL1, sysL2))
        {
            Assert.Equal(sysL1, cpu.L1DataBytes);
            Assert.Equal(sysL2, cpu.L2Bytes);
        }

        GemmBlocking blocking = GemmBlocking.Current;
        output.WriteLine(cpu.ToString());
        output.WriteLine(blocking.Reason);
        Assert.Equal(GemmBlocking.For(cpu).DepthBlock, blocking.DepthBlock);
        Assert.Equal(GemmBlocking.For(cpu).ColumnBlock, blocking.ColumnBlock);
        Assert.Equal(cpu.L1DataBytes, blocking.L1DataBytes);
        Assert.Equal(CpuFamily.Of(cpu).Name, blocking.Family);
    }

    [Fact]
    public void DetectionNeverThrowsAndIsRepeatable()
    {
        CpuDescription again = CpuInfo.Detect();
        Assert.Equal(CpuInfo.Current, again);
    }

    [Theory]
    [InlineData("32K", 32 * 1024)]
    [InlineData("2048K", 2 * 1024 * 1024)]
    [InlineData("1M", 1024 * 1024)]
    [InlineData("512", 512)]
    [InlineData("", 0)]
    [InlineData("K", 0)]
    [InlineData("-4K", 0)]
    [InlineData("lots", 0)]
    public void SysfsSizesParse(string text, int bytes) => Assert.Equal(bytes, CpuInfo.ParseSize(text));

    /// <summary>Blockings to compare: tiny (many depth and column blocks, edges everywhere), every row's derived one, huge (one block).</summary>
    private static IEnumerable<GemmBlocking> Blockings()
    {
        yield return new GemmBlocking(16, 32, 16 * 1024, "tiny", 0, 0, "tiny");
        yield return new GemmBlocking(24, 48, 0, "tiny, no small B", 0, 0, "tiny");
        foreach (CpuFamily row in CpuFamily.Table)
        {
            yield return GemmBlocking.For(row.Typical("fake", 0, 0));
        }

        yield return new GemmBlocking(1 << 20, 1 << 20, 1 << 30, "huge", 0, 0, "huge");
    }

    [Theory]
    [InlineData(37, 300, 530)]
    [InlineData(128, 784, 512)]
    [InlineData(16, 1030, 70)]
    [InlineData(13, 257, 33)]
    public void EveryBlockingGivesBitIdenticalProducts(int m, int k, int n)
    {
        float[] a = TestData.RandomFloats(m * k, m + 31 * k), b = TestData.RandomFloats(k * n, n + 17 * k), c0 = TestData.RandomFloats(m * n, m + n);
        SimdWidth[] widths = SimdDispatch.Best == SimdWidth.V128 ? [SimdWidth.V128] : [SimdDispatch.Best, SimdWidth.V128];
        foreach (Product product in Enum.GetValues<Product>())
        {
            foreach (SimdWidth width in widths)
            {
                foreach (bool accumulate in new[] { false, true })
                {
                    float[] expected = (float[])c0.Clone();
                    Run(product, a, b, expected, m, k, n, accumulate, width, 1, GemmBlocking.Current);
                    foreach (GemmBlocking blocking in Blockings())
                    {
                        foreach (int threads in new[] { 1, 2 })
                        {
                            float[] c = (float[])c0.Clone();
                            Run(product, a, b, c, m, k, n, accumulate, width, threads, blocking);
                            Assert.True(expected.AsSpan().SequenceEqual(c), $"{product} {m}x{k}x{n} {width} acc={accumulate} threads={threads} KC={blocking.DepthBlock} NC={blocking.ColumnBlock} ({blocking.Family})");
                        }
                    }
                }
            }
        }
    }

    private static void Run(Product product, float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate, SimdWidth width, int threads, in GemmBlocking blocking)
    {
        switch (product)
        {
            case Product.Multiply: Gemm.Multiply(a, b, c, m, k, n, accumulate, width, threads, blocking); break;
            case Product.TransposeA: Gemm.MultiplyTransposeA(a, b, c, m, k, n, accumulate, width, threads, blocking); break;
            default: Gemm.MultiplyTransposeB(a, b, c, m, k, n, accumulate, width, threads, blocking); break;
        }
    }

    /// <summary>The sysfs fallback reads something on Linux machines that have it.</summary>
    [Fact]
    public void SysfsIsReadWhereItExists()
    {
        if (!Directory.Exists("/sys/devices/system/cpu/cpu0/cache/index0"))
        {
            return;
        }

        (int l1, int l2) = CpuInfo.CachesFromSys();
        Assert.True(l1 > 0 && l2 > 0, $"L1d {l1}, L2 {l2}");
    }
}
