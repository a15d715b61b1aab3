using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace Samples.Serving;

/// <summary>The load test's output: a line per run as it ends, then a Markdown table for benchmarks/README.md.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>How this process runs: the machine, the runtime and the code generation.</summary>
    public static string Environment() =>
        $"{System.Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
        CodeGeneration() + ", " +
        (GCSettings.IsServerGC ? "server GC" : "workstation GC");

    /// <summary>NativeAOT, or the JIT with or without tiered compilation. (RuntimeFeature.IsDynamicCodeCompiled cannot
    /// tell: PublishAot makes it false under the JIT too, so that a JIT run behaves as the native one will.)</summary>
    private static string CodeGeneration()
    {
        if (JitInfo.GetCompiledMethodCount() == 0)
        {
            return "NativeAOT";
        }

        bool tiered = !AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out bool enabled) || enabled;
        return tiered ? "JIT, tiered compilation (dynamic PGO)" : "JIT, tiered compilation off";
    }

    public static string Line(LoadResult r) => string.Create(Invariant,
        $"{r.Backend,-8} {r.Clients,3} clients: {r.Requests,8} requests in {r.Seconds,4:0.0} s, {r.RequestsPerSecond,8:0} req/s, " +
        $"p50 {r.P50Milliseconds:0.000} ms, p99 {r.P99Milliseconds:0.000} ms, errors {r.Errors}, mismatches {r.Mismatches}" +
        $"{(r.HitRequestLimit ? " (stopped at --max-requests)" : string.Empty)}{(r.FirstProblem is null ? string.Empty : "; first: " + r.FirstProblem)}");

    public static string Memory(LoadResult r) => string.Create(Invariant,
        $"         memory over {r.Memory.Samples} samples after warm-up: GC heap {Mb(r.Memory.HeapStart)} -> {Mb(r.Memory.HeapEnd)} MB " +
        $"(max {Mb(r.Memory.HeapMax)}), working set {Mb(r.Memory.WorkingSetStart)} -> {Mb(r.Memory.WorkingSetEnd)} MB " +
        $"(max {Mb(r.Memory.WorkingSetMax)}); GCs gen0/1/2 {r.Gen0Collections}/{r.Gen1Collections}/{r.Gen2Collections}, " +
        $"{r.AllocatedBytesPerRequest / 1024:0.0} KB allocated per request (client and server)");

    /// <summary>The runs as a Markdown table.</summary>
    public static string Table(IReadOnlyList<LoadResult> results)
    {
        var table = new StringBuilder();
        table.AppendLine("| backend | clients | images/request | requests | req/s | p50 ms | p99 ms | errors | mismatches | GC heap MB (start / end / max) | working set MB (start / end / max) |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (LoadResult r in results)
        {
            table.AppendLine(string.Create(Invariant,
                $"| {r.Backend} | {r.Clients} | {r.Batch} | {r.Requests} | {r.RequestsPerSecond:0} | {r.P50Milliseconds:0.000} | {r.P99Milliseconds:0.000} | " +
                $"{r.Errors} | {r.Mismatches} | {Mb(r.Memory.HeapStart)} / {Mb(r.Memory.HeapEnd)} / {Mb(r.Memory.HeapMax)} | " +
                $"{Mb(r.Memory.WorkingSetStart)} / {Mb(r.Memory.WorkingSetEnd)} / {Mb(r.Memory.WorkingSetMax)} |"));
        }

        return table.ToString();
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", Invariant);
}
