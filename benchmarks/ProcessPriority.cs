using System;
using System.IO;
using System.Runtime.InteropServices;

namespace ModelGen.Benchmarks;

/// <summary>
/// On request (MODELGEN_BENCHMARK_NICE, e.g. -20, where permitted such as as root), each benchmark process raises its
/// own scheduling priority before it builds its model: on a small machine shared with builds and tests, this keeps
/// other processes from taking the measured cores. Off by default: it slows everything else on the machine. Two settings, because Linux's autogroup scheduling shares the CPU fairly
/// between sessions whatever their processes' nice values: the nice value of the process's autogroup
/// (/proc/self/autogroup, which the benchmark's whole process tree shares) against other sessions, and the calling
/// thread's nice value within it. Threads started afterwards (TorchSharp's OpenMP pool, ONNX Runtime's intra-op pool)
/// inherit it. MODELGEN_BENCHMARK_NICE unset or 0 leaves the priority alone.
/// </summary>
public static class ProcessPriority
{
    private const int PrioProcess = 0;

    public static void Raise()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int nice = int.TryParse(Environment.GetEnvironmentVariable("MODELGEN_BENCHMARK_NICE"), out int value) ? value : 0;
        if (nice != 0)
        {
            try
            {
                File.WriteAllText("/proc/self/autogroup", nice.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No autogroups (or no permission): the thread's own nice value below still counts.
            }

            // who = 0: the calling thread (on Linux a nice value is per thread), which runs the benchmark.
            _ = SetPriority(PrioProcess, 0, nice);
        }
    }

    /// <summary>The nice value of this process's autogroup, or null without autogroups.</summary>
    public static int? AutogroupNice()
    {
        try
        {
            // "/autogroup-8 nice 0"
            string[] fields = File.ReadAllText("/proc/self/autogroup").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 3 && int.TryParse(fields[2], out int nice) ? nice : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Puts the autogroup's nice value back (the host does, at the end of the run).</summary>
    public static void RestoreAutogroup(int? nice)
    {
        if (nice is null)
        {
            return;
        }

        try
        {
            File.WriteAllText("/proc/self/autogroup", nice.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}
