using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ModelGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks -- --filter '*'</c>: checks every peer against the generated models,
/// runs the whole suite with BenchmarkDotNet, then prints the report (Report.cs). <c>--skip-self-check</c> skips the
/// check; every other argument is BenchmarkDotNet's (e.g. <c>--filter '*Inference*'</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var clock = Stopwatch.StartNew();
        bool skipSelfCheck = args.Contains("--skip-self-check");
        args = args.Where(a => a != "--skip-self-check").ToArray();

        string environment = Environment();
        string startLoad = LoadAverage();
        Console.WriteLine(environment);
        var selfCheck = new StringWriter();
        TextWriter console = Console.Out;
        bool checkPassed = true;
        if (!skipSelfCheck)
        {
            Console.SetOut(new TeeWriter(console, selfCheck));
            try
            {
                checkPassed = SelfCheck.Run();
            }
            finally
            {
                Console.SetOut(console);
            }

            if (!checkPassed)
            {
                Console.WriteLine("Self-check failed: a peer does not compute what the generated model computes; nothing measured.");
                return 1;
            }
        }

        // The benchmark processes raise their session's priority (ProcessPriority); the host does too, for the build of
        // BenchmarkDotNet's project, and puts it back at the end.
        int? autogroupNice = ProcessPriority.AutogroupNice();
        Summary[] summaries;
        try
        {
            ProcessPriority.Raise();
            summaries = BenchmarkSwitcher
                .FromTypes([typeof(Training), typeof(Inference), typeof(CnnTraining), typeof(CnnInference), typeof(RecurrentTraining), typeof(RecurrentInference), typeof(LstmM6), typeof(FmaPeak), typeof(GemmM4), typeof(DenseSmall), typeof(ConcurrentInference)])
                .Run(args, BenchmarkConfig.Create())
                .ToArray();
        }
        finally
        {
            ProcessPriority.RestoreAutogroup(autogroupNice);
        }

        if (summaries.Length > 0)
        {
            environment += $"\n- load average (1, 5, 15 min) at the start: {startLoad}; at the end: {LoadAverage()}";
            string check = skipSelfCheck ? "Self-check skipped." : "```\n" + selfCheck.ToString().TrimEnd() + "\n```";
            Report.Write(summaries, clock.Elapsed, environment, check);
        }

        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Environment()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        var text = new StringBuilder();
        text.AppendLine($"- CPU: {cpu}, {System.Environment.ProcessorCount} logical cores; {RuntimeInformation.OSDescription}");
        text.AppendLine($"- .NET: {RuntimeInformation.FrameworkDescription}; Vector512 hardware-accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        text.AppendLine($"- GEMM blocking (runtime/CompilerServices/GemmBlocking.cs): {ModelGen.CompilerServices.Gemm.Blocking}");
        string family = File.Exists("/proc/cpuinfo")
            ? string.Join(", ", File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith("cpu family", StringComparison.Ordinal) || l.StartsWith("model\t", StringComparison.Ordinal)).Take(2).Select(l => l.Replace("\t", "").Trim()))
            : "n/a";
        text.AppendLine($"- CPU family/model: {family}");
        string torch = TorchSharpLoader.Failure is { } failure
            ? $"TorchSharp-cpu: {failure}"
            : $"TorchSharp-cpu: loaded{(TorchSharpLoader.PatchedLibrary is { } patched ? $" (patched native library {Path.GetFileName(Path.GetDirectoryName(patched))}/{Path.GetFileName(patched)})" : "")}";
        text.AppendLine($"- {torch}");
        string onnx = OrtNet.Unavailable(ModelSpecs.CreateGenerated("M1", 0).GetType()) is { } reason ? $"ONNX Runtime: {reason}" : "ONNX Runtime: on the generated ExportOnnx";
        text.AppendLine($"- {onnx}");
        text.Append(GpuNet.Failure is { } gpuFailure ? $"- M.Gpu: {gpuFailure}" : $"- M.Gpu: on {GpuNet.DeviceName} through ILGPU");
        return text.ToString();
    }

    /// <summary>Writes to two writers (the console and the report's copy of the self-check).</summary>
    private sealed class TeeWriter(TextWriter first, TextWriter second) : TextWriter
    {
        public override Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void WriteLine(string? value)
        {
            first.WriteLine(value);
            second.WriteLine(value);
        }
    }
}
