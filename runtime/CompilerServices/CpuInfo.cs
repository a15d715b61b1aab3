using System;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// What the blocked GEMM needs to know about a processor to size its blocks (<see cref="GemmBlocking.For"/>): who made
/// it, which family, how large one core's L1 data cache and L2 are, and which microkernel the GEMM will run on it.
/// <see cref="CpuInfo.Current"/> describes the running machine; tests build fake ones to check the table.
/// </summary>
/// <param name="Vendor">The CPUID vendor string (<c>GenuineIntel</c>, <c>AuthenticAMD</c>), or a stand-in such as <c>Arm64</c> or <c>unknown</c>.</param>
/// <param name="Family">The display family (CPUID leaf 1 with the extended family added), 0 when unknown.</param>
/// <param name="Model">The display model (with the extended model), 0 when unknown.</param>
/// <param name="L1DataBytes">One core's L1 data cache, in bytes.</param>
/// <param name="L2Bytes">One core's L2 cache (one instance; a shared L2 counts whole), in bytes.</param>
/// <param name="VectorBits">The widest vector the GEMM uses (<see cref="SimdDispatch.Best"/>): 512, 256, 128, or 0 for scalar.</param>
/// <param name="VectorRegisters">Vector registers the JIT may use: 32 with AVX-512 or on Arm64 (the 8-row microkernel), else 16 (the 6-row one).</param>
/// <param name="Avx512">Whether AVX-512F is available (it separates Intel's AVX-512 servers from its AVX2 parts even when 512-bit vectors are not preferred).</param>
/// <param name="CacheSource">Where the cache sizes came from: a CPUID leaf, <c>/sys</c>, or the family's documented sizes.</param>
internal readonly record struct CpuDescription(
    string Vendor, int Family, int Model, int L1DataBytes, int L2Bytes, int VectorBits, int VectorRegisters, bool Avx512, string CacheSource)
{
    /// <summary>Rows of the microkernel tile (MR) the GEMM runs on this processor: 8 with 32 vector registers, else 6.</summary>
    public int KernelRows => VectorRegisters >= 32 ? 8 : 6;

    /// <summary>Columns of the microkernel tile (NR): two vectors of the widest width (two floats on the scalar path).</summary>
    public int KernelColumns => 2 * Math.Max(VectorBits, 32) / 32;
}

/// <summary>
/// Describes the running processor once, at start-up: vendor and family from CPUID, per-core L1d and L2 sizes from
/// CPUID's cache leaves (leaf 4 on Intel, 0x8000001D on AMD, then the legacy 0x80000005/6), then from Linux's
/// <c>/sys/devices/system/cpu/cpu0/cache</c>, then from the family's documented sizes (32 KiB / 512 KiB when the
/// family is unknown, as on Arm64 or behind an odd hypervisor). Never throws: whatever fails falls through to the next source.
/// </summary>
internal static class CpuInfo
{
    /// <summary>Smallest and largest believable L1d: outside this a hypervisor (or a parse) made the number up.</summary>
    private const int MinL1 = 8 * 1024, MaxL1 = 1024 * 1024;

    /// <summary>Smallest and largest believable per-core L2.</summary>
    private const int MinL2 = 64 * 1024, MaxL2 = 64 * 1024 * 1024;

    /// <summary>The running processor, detected on first use.</summary>
    public static readonly CpuDescription Current = Detect();

    /// <summary>Detects the running processor; on any failure returns what it has with the fallbacks filled in.</summary>
    internal static CpuDescription Detect()
    {
        int vectorBits = (int)SimdDispatch.Best;
        int registers = Avx512F.IsSupported || AdvSimd.Arm64.IsSupported ? 32 : 16;
        bool avx512 = Avx512F.IsSupported;
        string vendor = AdvSimd.Arm64.IsSupported ? "Arm64" : "unknown";
        int family = 0, model = 0, l1 = 0, l2 = 0;
        string source = "";
        try
        {
            if (X86Base.IsSupported)
            {
                (vendor, family, model) = Identify();
                (l1, l2, source) = CachesFromCpuid(vendor);
            }
        }
        catch (Exception)
        {
            // A hypervisor that faults on a leaf: keep what was read, fall back for the rest.
            l1 = l2 = 0;
        }

        if (!Believable(l1, l2))
        {
            (l1, l2) = CachesFromSys();
            source = "/sys/devices/system/cpu/cpu0/cache";
        }

        var description = new CpuDescription(vendor, family, model, l1, l2, vectorBits, registers, avx512, source);
        if (!Believable(l1, l2))
        {
            CpuFamily row = CpuFamily.Of(description);
            description = description with { L1DataBytes = row.TypicalL1DataBytes, L2Bytes = row.TypicalL2Bytes, CacheSource = $"documented sizes of {row.Name}" };
        }

        return description;
    }

    /// <summary>Whether both sizes are in range and ordered (an L2 smaller than the L1d is a made-up topology).</summary>
    internal static bool Believable(int l1, int l2) => l1 is >= MinL1 and <= MaxL1 && l2 is >= MinL2 and <= MaxL2 && l2 >= l1;

    /// <summary>Vendor string (leaf 0) and display family and model (leaf 1).</summary>
    private static (string Vendor, int Family, int Model) Identify()
    {
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<char> name = stackalloc char[12];
        Write(name, 0, ebx);
        Write(name, 4, edx);
        Write(name, 8, ecx);
        string vendor = name.TrimEnd('\0').ToString();

        (int eax, _, _, _) = X86Base.CpuId(1, 0);
        int baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? (((eax >> 16) & 0xF) << 4) + baseModel : baseModel;
        return (vendor, family, model);

        static void Write(Span<char> name, int at, int register)
        {
            for (int i = 0; i < 4; i++)
            {
                name[at + i] = (char)((register >> (8 * i)) & 0xFF);
            }
        }
    }

    /// <summary>L1d and L2 sizes from CPUID: the deterministic cache leaf (4 on Intel, 0x8000001D on AMD with
    /// topology extensions), else the legacy AMD-style 0x80000005 (L1d) and 0x80000006 (L2) that Intel answers for L2 too.</summary>
    private static (int L1, int L2, string Source) CachesFromCpuid(string vendor)
    {
        int maxBasic = X86Base.CpuId(0, 0).Eax;
        int maxExtended = X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        bool amd = vendor is "AuthenticAMD" or "HygonGenuine";
        int leaf = 0;
        if (!amd && maxBasic >= 4)
        {
            leaf = 4;
        }
        else if (amd && (uint)maxExtended >= 0x8000001D && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0)
        {
            leaf = unchecked((int)0x8000001D);
        }

        int l1 = 0, l2 = 0;
        string source = "";
        if (leaf != 0)
        {
            for (int index = 0; index < 16; index++)
            {
                (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, index);
                int type = eax & 0x1F, level = (eax >> 5) & 0x7;
                if (type == 0)
                {
                    break;
                }

                // Ways × partitions × line size × sets, each stored minus one.
                long size = (long)(((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((long)(uint)ecx + 1);
                int bytes = (int)Math.Min(size, int.MaxValue);
                if (level == 1 && type == 1)
                {
                    l1 = bytes;
                }
                else if (level == 2 && type is 1 or 3)
                {
                    l2 = bytes;
                }
            }

            source = leaf == 4 ? "CPUID leaf 4" : "CPUID leaf 0x8000001D";
        }

        if (!Believable(l1, l2) && (uint)maxExtended >= 0x80000006)
        {
            int legacyL1 = amd ? (int)(((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024) : 0;
            int legacyL2 = (int)(((uint)X86Base.CpuId(unchecked((int)0x80000006), 0).Ecx >> 16) * 1024);
            l1 = l1 is >= MinL1 and <= MaxL1 ? l1 : legacyL1;
            l2 = l2 is >= MinL2 and <= MaxL2 ? l2 : legacyL2;
            source = "CPUID leaves 0x80000005/6";
        }

        return (l1, l2, source);
    }

    /// <summary>L1d and L2 sizes of cpu0 from Linux's sysfs (<c>index*/level</c>, <c>type</c>, <c>size</c>); zeros when absent.</summary>
    internal static (int L1, int L2) CachesFromSys()
    {
        int l1 = 0, l2 = 0;
        try
        {
            const string root = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(root))
            {
                return (0, 0);
            }

            for (int index = 0; index < 16; index++)
            {
                string directory = Path.Combine(root, "index" + index.ToString(CultureInfo.InvariantCulture));
                if (!Directory.Exists(directory))
                {
                    break;
                }

                string level = File.ReadAllText(Path.Combine(directory, "level")).Trim();
                string type = File.ReadAllText(Path.Combine(directory, "type")).Trim();
                int bytes = ParseSize(File.ReadAllText(Path.Combine(directory, "size")).Trim());
                if (level == "1" && type == "Data")
                {
                    l1 = bytes;
                }
                else if (level == "2" && type is "Unified" or "Data")
                {
                    l2 = bytes;
                }
            }
        }
        catch (Exception)
        {
            // Unreadable sysfs (containers, permissions): the caller falls back.
        }

        return (l1, l2);
    }

    /// <summary>Parses sysfs's <c>32K</c>, <c>2048K</c>, <c>2M</c> (or plain bytes); 0 when it cannot.</summary>
    internal static int ParseSize(string text)
    {
        long multiplier = 1;
        if (text.EndsWith('K') || text.EndsWith('k'))
        {
            multiplier = 1024;
        }
        else if (text.EndsWith('M') || text.EndsWith('m'))
        {
            multiplier = 1024 * 1024;
        }

        string digits = multiplier == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0
            ? (int)Math.Min(value * multiplier, int.MaxValue)
            : 0;
    }
}
