using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace ModelGen.GpuCheck;

/// <summary>
/// Checks M.Gpu on the best accelerator present (CUDA, then OpenCL, then ILGPU's CPU accelerator): a vector-add smoke
/// kernel, then every model with a Gpu class against the CPU backend (Predict, Evaluate, one TrainOnBatch, a 3-epoch
/// Fit; tests/ModelGen.Tests/Gpu/GpuEquivalenceTests' rules, 1e-4 relative), then timings of the benchmark models
/// M4, M5 and M6. Prints a summary and writes a JSON file; exits 1 if any check failed, 2 if the smoke kernel failed.
/// </summary>
public static class Program
{
    private const int Seed = 11;

    private static readonly List<JsonObject> s_checks = new();
    private static readonly List<JsonObject> s_timings = new();

    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool forceCpu = args.Contains("--cpu-accelerator");
        bool noTimings = args.Contains("--no-timings");
        string output = "gpucheck-results.json";
        string? only = null;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--output")
            {
                output = args[i + 1];
            }
            else if (args[i] == "--only")
            {
                only = args[i + 1];
            }
        }

        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("GpuCheck [--quick] [--output PATH] [--cpu-accelerator] [--no-timings] [--only NAME-SUBSTRING]");
            return 0;
        }

        var result = new JsonObject
        {
            ["started"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["quick"] = quick,
            ["machine"] = $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        };
        var total = Stopwatch.StartNew();
        int exitCode = 0;
        Context? context = null;
        Accelerator? accelerator = null;
        try
        {
            // 1. The accelerator and a vector add: a broken driver shows here, in seconds.
            var smoke = Stopwatch.StartNew();
            try
            {
                context = Context.Create(builder => builder.Default().EnableAlgorithms());
                result["devices"] = new JsonArray(context.Devices.Select(d => (JsonNode)JsonValue.Create($"{d.Name} ({d.AcceleratorType})")!).ToArray());
                Device device = forceCpu ? context.GetPreferredDevice(preferCPU: true) : BestDevice(context);
                accelerator = device.CreateAccelerator(context);
                result["accelerator"] = $"{accelerator.Name} ({accelerator.AcceleratorType})";
                result["acceleratorType"] = accelerator.AcceleratorType.ToString();
                result["memoryBytes"] = accelerator.MemorySize;
                Console.WriteLine($"Accelerator: {accelerator.Name} ({accelerator.AcceleratorType}), {(accelerator.MemorySize < 1L << 50 ? $"{accelerator.MemorySize / (1024.0 * 1024 * 1024):F1} GiB" : "host memory")}");
                Console.Out.Flush();
                string? failure = VectorAdd(accelerator);
                Record("smoke", "vector add", failure, smoke.Elapsed.TotalSeconds);
                Console.WriteLine(failure is null ? $"SMOKE PASS: vector add ({smoke.Elapsed.TotalSeconds:F2} s)" : $"SMOKE FAIL: {failure}");
                Console.Out.Flush();
                if (failure is not null)
                {
                    exitCode = 2;
                    return exitCode;
                }
            }
            catch (Exception e)
            {
                Record("smoke", "accelerator and vector add", e.ToString(), smoke.Elapsed.TotalSeconds);
                Console.WriteLine($"SMOKE FAIL: {e.GetType().Name}: {e.Message}");
                exitCode = 2;
                return exitCode;
            }

            // 2. Every model with a Gpu class against the CPU backend.
            Type[] models = GpuModels.All(quick).Where(t => only is null || t.FullName!.Contains(only, StringComparison.Ordinal)).ToArray();
            Console.WriteLine($"Equivalence with the CPU backend ({models.Length} models, {Compare.Relative:G} relative):");
            foreach (Type model in models)
            {
                CheckModel(model, accelerator);
                result["exitCode"] = null;
                Save(result, output, total.Elapsed.TotalSeconds);
            }

            // 3. Timings of M4, M5, M6.
            if (!noTimings)
            {
                bool cpuAccelerator = accelerator.AcceleratorType == AcceleratorType.CPU;
                int[] trainBatches = cpuAccelerator ? [32] : quick ? [32, 4096] : [32, 128, 4096];
                int[] predictBatches = cpuAccelerator ? [1] : [1, 4096];
                int repetitions = cpuAccelerator ? 3 : quick ? 10 : 30;
                Console.WriteLine($"Timings (median of {repetitions} after warm-up; {(cpuAccelerator ? "ILGPU's CPU accelerator: batch 32 and 1 only, and these say nothing about a GPU" : "host arrays in and out, as GpuNet does")}):");
                foreach (Type model in new[] { typeof(Benchmarks.Models.M4), typeof(Benchmarks.Models.M5), typeof(Benchmarks.Models.M6) })
                {
                    if (only is null || model.FullName!.Contains(only, StringComparison.Ordinal))
                    {
                        Time(model, accelerator, trainBatches, predictBatches, repetitions);
                        Save(result, output, total.Elapsed.TotalSeconds);
                    }
                }
            }
        }
        catch (Exception e)
        {
            Record("run", "unexpected", e.ToString(), 0);
            Console.WriteLine($"FAIL: {e}");
        }
        finally
        {
            accelerator?.Dispose();
            context?.Dispose();
            int failed = s_checks.Count(c => (string)c["status"]! == "fail");
            int passed = s_checks.Count(c => (string)c["status"]! == "pass");
            if (failed > 0 && exitCode == 0)
            {
                exitCode = 1;
            }

            result["exitCode"] = exitCode;
            Save(result, output, total.Elapsed.TotalSeconds);
            PrintSummary(passed, failed, total.Elapsed.TotalSeconds, output);
        }

        return exitCode;
    }

    /// <summary>Writes the results so far (after every model and timing too, so that a run stopped by a time limit leaves
    /// what it had done).</summary>
    private static void Save(JsonObject result, string output, double seconds)
    {
        result["checks"] = new JsonArray(s_checks.Select(c => (JsonNode)c.DeepClone()).ToArray());
        result["timings"] = new JsonArray(s_timings.Select(t => (JsonNode)t.DeepClone()).ToArray());
        result["passed"] = s_checks.Count(c => (string)c["status"]! == "pass");
        result["failed"] = s_checks.Count(c => (string)c["status"]! == "fail");
        result["seconds"] = seconds;
        string? folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(output, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>A CUDA GPU, then an OpenCL one, then ILGPU's CPU accelerator (samples/Shared/GpuAccelerator.cs).</summary>
    private static Device BestDevice(Context context) =>
        context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.Cuda)
        ?? context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.OpenCL)
        ?? context.GetPreferredDevice(preferCPU: true);

    private static void AddKernel(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) => c[i] = a[i] + b[i];

    /// <summary>c = a + b over 1M floats (and a 3-element one), checked exactly on the host.</summary>
    private static string? VectorAdd(Accelerator accelerator)
    {
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AddKernel);
        foreach (int n in new[] { 3, 1 << 20 })
        {
            float[] a = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
            float[] b = Enumerable.Range(0, n).Select(i => 0.5f * i + 1).ToArray();
            using var da = accelerator.Allocate1D(a);
            using var db = accelerator.Allocate1D(b);
            using var dc = accelerator.Allocate1D<float>(n);
            kernel((int)da.Length, da.View, db.View, dc.View);
            accelerator.Synchronize();
            float[] c = dc.GetAsArray1D();
            for (int i = 0; i < n; i++)
            {
                if (c[i] != a[i] + b[i])
                {
                    return $"vector add of {n}: c[{i}] = {c[i]:R}, expected {a[i] + b[i]:R}";
                }
            }
        }

        return null;
    }

    private static void CheckModel(Type type, Accelerator accelerator)
    {
        string name = type.FullName!;
        bool trainable = typeof(ITrainableModel).IsAssignableFrom(type);
        bool dropout = GpuModels.HasDropout(type);
        Run(name, "Predict", () =>
        {
            IModel cpu = GpuModels.CreateCpu(type, Seed);
            using var gpu = (IDisposable)GpuModels.CreateGpu(type, Seed, accelerator);
            (float[] x, _) = GpuModels.Data(cpu, rows: 37);
            var expected = new float[37 * cpu.OutputSize];
            var actual = new float[37 * cpu.OutputSize];
            cpu.Predict(x, expected);
            ((IModel)gpu).Predict(x, actual);
            return Compare.Close(expected, actual, "Predict");
        });
        if (!trainable)
        {
            Skip(name, "Evaluate, TrainOnBatch, Fit", "inference only");
            return;
        }

        Run(name, "Evaluate", () =>
        {
            var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
            var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
            using var _ = (IDisposable)gpu;
            (float[] x, float[] y) = GpuModels.Data(cpu, rows: 45);
            EvaluationResult expected = cpu.Evaluate(x, y, batchSize: 16);
            EvaluationResult actual = gpu.Evaluate(x, y, batchSize: 16);
            return Compare.Close(expected.Loss, actual.Loss, "loss") ?? Compare.Close(expected.Accuracy, actual.Accuracy, "accuracy");
        });
        if (dropout)
        {
            // The GPU's dropout masks are not the CPU's stream (by design): training is checked for a finite loss and
            // for determinism (two GPU models from one seed take the same step), not against the CPU.
            Run(name, "TrainOnBatch (dropout: finite, deterministic)", () =>
            {
                var first = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
                var second = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
                using var d1 = (IDisposable)first;
                using var d2 = (IDisposable)second;
                (float[] x, float[] y) = GpuModels.Data(first, rows: 19);
                float a = first.TrainOnBatch(x, y);
                float b = second.TrainOnBatch(x, y);
                return !float.IsFinite(a) ? $"loss {a}" : a != b ? $"two runs from one seed: loss {a:R} and {b:R}" : null;
            });
            Skip(name, "Fit", "dropout: GPU masks differ from the CPU's by design");
            return;
        }

        Run(name, "TrainOnBatch", () =>
        {
            var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
            var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
            using var _ = (IDisposable)gpu;
            (float[] x, float[] y) = GpuModels.Data(cpu, rows: 19);
            float expected = cpu.TrainOnBatch(x, y);
            float actual = gpu.TrainOnBatch(x, y);
            return Compare.Close(expected, actual, "loss") ?? Compare.Close(cpu.GetWeights(), gpu.GetWeights(), "weights after the step");
        });
        Run(name, "Fit 3 epochs", () =>
        {
            var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
            var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
            using var _ = (IDisposable)gpu;
            (float[] x, float[] y) = GpuModels.Data(cpu, rows: 40);
            var options = new FitOptions { Epochs = 3, BatchSize = 8, Seed = 5, ValidationSplit = 0.25, Verbose = 0 };
            History expected = cpu.Fit(x, y, options);
            History actual = gpu.Fit(x, y, options);
            if (actual.Epochs != 3)
            {
                return $"GPU Fit ran {actual.Epochs} epochs, not 3";
            }

            for (int epoch = 0; epoch < 3; epoch++)
            {
                string? failure = Compare.Close(expected.Loss[epoch], actual.Loss[epoch], $"loss of epoch {epoch + 1}")
                    ?? Compare.Close(expected.ValLoss[epoch], actual.ValLoss[epoch], $"validation loss of epoch {epoch + 1}")
                    ?? (cpu.HasAccuracy
                        ? Compare.Close(expected.Accuracy[epoch], actual.Accuracy[epoch], $"accuracy of epoch {epoch + 1}")
                            ?? Compare.Close(expected.ValAccuracy[epoch], actual.ValAccuracy[epoch], $"validation accuracy of epoch {epoch + 1}")
                        : null);
                if (failure is not null)
                {
                    return failure;
                }
            }

            return Compare.CloseNormwise(cpu.GetWeights(), gpu.GetWeights(), "weights after Fit");
        });
    }

    private static void Run(string model, string check, Func<string?> body)
    {
        var watch = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = body();
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
        }

        Record(model, check, failure, watch.Elapsed.TotalSeconds);
        Console.WriteLine($"  {(failure is null ? "PASS" : "FAIL")}  {model,-50} {check,-46} {watch.Elapsed.TotalSeconds,6:F2} s{(failure is null ? "" : "  " + failure)}");
        Console.Out.Flush();
    }

    private static void Skip(string model, string check, string why)
    {
        s_checks.Add(new JsonObject { ["model"] = model, ["check"] = check, ["status"] = "skip", ["message"] = why, ["seconds"] = 0.0 });
        Console.WriteLine($"  skip  {model,-50} {check,-46}           ({why})");
    }

    private static void Record(string model, string check, string? failure, double seconds) =>
        s_checks.Add(new JsonObject
        {
            ["model"] = model,
            ["check"] = check,
            ["status"] = failure is null ? "pass" : "fail",
            ["message"] = failure,
            ["seconds"] = seconds,
        });

    /// <summary>One TrainOnBatch and one Predict of the model's Gpu class on host arrays, per batch size: two warm-up calls
    /// (kernel compilation, buffer growth), then the median (and minimum) of <paramref name="repetitions"/> calls.</summary>
    private static void Time(Type type, Accelerator accelerator, int[] trainBatches, int[] predictBatches, int repetitions)
    {
        string name = type.Name;
        foreach ((string operation, int[] batches) in new[] { ("TrainOnBatch", trainBatches), ("Predict", predictBatches) })
        {
            foreach (int batch in batches)
            {
                try
                {
                    var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, accelerator);
                    using var _ = (IDisposable)gpu;
                    (float[] x, float[] y) = GpuModels.Data(gpu, rows: batch);
                    var output = new float[batch * gpu.OutputSize];
                    Action call = operation == "TrainOnBatch" ? () => gpu.TrainOnBatch(x, y) : () => gpu.Predict(x, output);
                    call();
                    call();
                    var times = new double[repetitions];
                    for (int r = 0; r < repetitions; r++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        call();
                        times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    }

                    Array.Sort(times);
                    double median = repetitions % 2 == 1 ? times[repetitions / 2] : (times[repetitions / 2 - 1] + times[repetitions / 2]) / 2;
                    s_timings.Add(new JsonObject
                    {
                        ["model"] = name,
                        ["operation"] = operation,
                        ["batch"] = batch,
                        ["repetitions"] = repetitions,
                        ["medianMs"] = median,
                        ["minMs"] = times[0],
                        ["samplesPerSecond"] = batch / (median / 1000),
                    });
                    Console.WriteLine($"  {name,-4} {operation,-12} batch {batch,5}: median {median,10:F3} ms, min {times[0],10:F3} ms, {batch / (median / 1000),12:F0} samples/s");
                }
                catch (Exception e)
                {
                    Record(name, $"timing {operation} batch {batch}", $"{e.GetType().Name}: {e.Message}", 0);
                    Console.WriteLine($"  FAIL {name} {operation} batch {batch}: {e.GetType().Name}: {e.Message}");
                }

                Console.Out.Flush();
            }
        }
    }

    private static void PrintSummary(int passed, int failed, double seconds, string output)
    {
        Console.WriteLine();
        Console.WriteLine("Summary:");
        foreach (IGrouping<string, JsonObject> model in s_checks.GroupBy(c => (string)c["model"]!))
        {
            string cells = string.Join("  ", model.Select(c => $"{c["check"]}={((string)c["status"]!).ToUpperInvariant()}"));
            Console.WriteLine($"  {model.Key,-50} {cells}");
        }

        Console.WriteLine($"{passed} passed, {failed} failed, {s_checks.Count(c => (string)c["status"]! == "skip")} skipped in {seconds:F1} s; results in {Path.GetFullPath(output)}");
    }
}
