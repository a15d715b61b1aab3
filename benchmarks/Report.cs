using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;

namespace ModelGen.Benchmarks;

/// <summary>
/// After the run: samples/s of every implementation per model and figure, the ratio of ModelGen to the best peer
/// (single-threaded, and all cores), the ratio to each peer, the issue's targets met or missed, and M4's training GEMM
/// rate as a fraction of the measured FP32 peak. Printed and written to results/ModelGen-report.md in BenchmarkDotNet's
/// artifacts folder.
/// </summary>
public static class Report
{
    private enum Figure
    {
        Train32,
        Train128,
        Predict1,
        Infer256,
    }

    private static readonly Figure[] s_figures = [Figure.Train32, Figure.Train128, Figure.Predict1, Figure.Infer256];

    private static readonly Impl[] s_singleThreadPeers = [Impl.PlainCSharp, Impl.TorchSharp, Impl.OnnxRuntime];

    private static readonly Impl[] s_allCoresPeers = [Impl.PlainCSharp, Impl.TorchSharpAllCores, Impl.OnnxRuntimeAllCores];

    /// <summary>ModelGen's all-cores row where it ran, else its single-threaded one (the same code path).</summary>
    private static Impl OwnAllCores(Dictionary<(string, string, Impl, int), double> means, string model, Figure figure) =>
        Rate(means, model, Impl.ModelGenAllCores, figure) is null ? Impl.ModelGen : Impl.ModelGenAllCores;

    /// <summary>Issue 11's single-threaded targets: the least ratio ModelGen ÷ best single-threaded peer in the same run
    /// (speed; Predict: time⁻¹); M4's training also asks its GEMMs at ≥ 80% of the measured FP32 peak. The text is the
    /// target as the issue words it.</summary>
    private static readonly Dictionary<(string, Figure), (double Min, string Text)> s_targets = new()
    {
        [("M1", Figure.Train32)] = (5, "≥ 5×"), [("M1", Figure.Train128)] = (5, "≥ 5×"),
        [("M1", Figure.Predict1)] = (3, "≤ 1/3 of the time"), [("M1", Figure.Infer256)] = (2, "≥ 2×"),
        [("M2", Figure.Train32)] = (10, "≥ 10×"), [("M2", Figure.Train128)] = (4, "≥ 4×"),
        [("M2", Figure.Predict1)] = (8, "≤ 1/8 of the time"), [("M2", Figure.Infer256)] = (1.5, "≥ 1.5×"),
        [("M3", Figure.Train32)] = (3, "≥ 3×"), [("M3", Figure.Train128)] = (1.3, "≥ 1.3×"),
        [("M3", Figure.Predict1)] = (1, "≤ 1× the time"), [("M3", Figure.Infer256)] = (1, "≥ 1×"),
        [("M4", Figure.Train32)] = (1.3, "≥ 1.3×, GEMMs ≥ 80% of FP32 peak"), [("M4", Figure.Train128)] = (1.3, "≥ 1.3×, GEMMs ≥ 80% of FP32 peak"),
        [("M4", Figure.Predict1)] = (1, "≤ 1× the time"), [("M4", Figure.Infer256)] = (0.95, "≥ 0.95×"),
    };

    /// <summary>M4's training GEMMs' share of the FP32 peak that issue 11 asks beside the ratio.</summary>
    private const double M4PeakShare = 0.80;

    public static string FormatRate(double perSecond) => perSecond switch
    {
        >= 1e9 => (perSecond / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " G",
        >= 1e6 => (perSecond / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (perSecond / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " k",
        _ => perSecond.ToString("F0", CultureInfo.InvariantCulture) + " ",
    };

    private static string FormatTime(double ns) => ns >= 1e6
        ? (ns / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " ms"
        : (ns / 1e3).ToString(ns >= 1e4 ? "F1" : "F2", CultureInfo.InvariantCulture) + " µs";

    private static string FormatRatio(double ratio) => ratio.ToString(ratio >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) + "×";

    /// <summary>Median nanoseconds per operation, keyed by (benchmark class, model, implementation, batch) or method name.</summary>
    private sealed record Measurements(Dictionary<(string Kind, string Model, Impl Impl, int Batch), double> Means, Dictionary<string, double> Peak);

    public static string Write(IEnumerable<Summary> summaries, TimeSpan elapsed, string environment, string selfCheck)
    {
        Summary[] all = summaries.ToArray();
        var means = new Dictionary<(string, string, Impl, int), double>();
        var peak = new Dictionary<string, double>();
        foreach (BenchmarkReport report in all.SelectMany(s => s.Reports))
        {
            double? mean = report.ResultStatistics?.Median;
            if (mean is not > 0)
            {
                continue;
            }

            var parameters = report.BenchmarkCase.Parameters;
            // The CNN's and the LSTM's benchmarks are filed with Training's and Inference's rows.
            string kind = report.BenchmarkCase.Descriptor.Type.Name switch
            {
                nameof(CnnTraining) or nameof(RecurrentTraining) => nameof(Training),
                nameof(CnnInference) or nameof(RecurrentInference) => nameof(Inference),
                string name => name,
            };
            if (kind is nameof(ConcurrentInference))
            {
                continue; // BenchmarkDotNet's own table shows it (calls per second = Threads / time)
            }

            if (kind is nameof(FmaPeak) or nameof(GemmM4) or nameof(LstmM6))
            {
                peak[report.BenchmarkCase.Descriptor.WorkloadMethod.Name] = mean.Value;
            }
            else if (parameters["Model"] is string model && parameters["Impl"] is Impl impl && parameters["Batch"] is int batch)
            {
                means[(kind, model, impl, batch)] = mean.Value;
            }
        }

        var text = new StringBuilder();
        text.AppendLine("# ModelGen benchmark report");
        text.AppendLine();
        text.AppendLine(environment);
        text.AppendLine($"- whole run: {elapsed.TotalMinutes:F1} minutes");
        text.AppendLine();
        text.AppendLine(selfCheck);
        WriteFigures(text, means);
        WritePeerRatios(text, means);
        double? peakGflops = WritePeak(text, peak, means);
        WriteGemm(text, peak, means, peakGflops);
        WriteTargets(text, means, peakGflops);
        WriteLstm(text, peak, means, peakGflops);
        WriteGpu(text, means);

        string report2 = text.ToString();
        Console.WriteLine();
        Console.WriteLine(report2);
        string? directory = all.FirstOrDefault()?.ResultsDirectoryPath;
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, "ModelGen-report.md");
            File.WriteAllText(path, report2);
            Console.WriteLine($"Report written to {path}");
        }

        return report2;
    }

    /// <summary>The models with at least one measurement (a filtered run shows only those).</summary>
    private static IEnumerable<ModelSpec> Measured(Dictionary<(string, string, Impl, int), double> means) =>
        ModelSpecs.All.Where(spec => means.Keys.Any(k => k.Item2 == spec.Name));

    /// <summary>The figures with at least one measurement of the model (M5 and M6 have only training at batch 32 and Predict at batch 1).</summary>
    private static IEnumerable<Figure> Measured(Dictionary<(string, string, Impl, int), double> means, string model) =>
        s_figures.Where(figure => means.Keys.Any(k => k.Item2 == model && (k.Item1, k.Item4) == Key(figure)));

    private static (string Kind, int Batch) Key(Figure figure) => figure switch
    {
        Figure.Train32 => (nameof(Training), 32),
        Figure.Train128 => (nameof(Training), 128),
        Figure.Predict1 => (nameof(Inference), 1),
        _ => (nameof(Inference), 256),
    };

    private static string Name(Figure figure) => figure switch
    {
        Figure.Train32 => "train, batch 32",
        Figure.Train128 => "train, batch 128",
        Figure.Predict1 => "Predict, batch 1",
        _ => "inference, batch 256",
    };

    /// <summary>Samples per second of an implementation for a figure, or null when it did not run.</summary>
    private static double? Rate(Dictionary<(string, string, Impl, int), double> means, string model, Impl impl, Figure figure)
    {
        (string kind, int batch) = Key(figure);
        return means.TryGetValue((kind, model, impl, batch), out double ns) ? batch * 1e9 / ns : null;
    }

    private static string Cell(Dictionary<(string, string, Impl, int), double> means, string model, Impl impl, Figure figure)
    {
        double? rate = Rate(means, model, impl, figure);
        if (rate is null)
        {
            if (figure is Figure.Train32 or Figure.Train128 && impl is Impl.OnnxRuntime or Impl.OnnxRuntimeAllCores)
            {
                return "(inference only)";
            }

            // A peer left out of the run: TorchSharp that could not load, a model without ExportOnnx, the plain loops on a CNN or an LSTM.
            return Nets.Unavailable(impl, model) switch
            {
                null => "n/a",
                string why when why.StartsWith("could not load", StringComparison.Ordinal) => "could not load",
                string why when why.StartsWith("not measured", StringComparison.Ordinal) => "not measured",
                _ when impl is Impl.OnnxRuntime or Impl.OnnxRuntimeAllCores => "not run (no export)",
                _ => "not run",
            };
        }

        return figure == Figure.Predict1 ? FormatTime(1e9 / rate.Value) : FormatRate(rate.Value) + "/s";
    }

    private static (Impl Impl, double Rate)? Best(Dictionary<(string, string, Impl, int), double> means, string model, Figure figure, Impl[] peers) =>
        peers.Select(p => (Impl: p, Rate: Rate(means, model, p, figure)))
            .Where(p => p.Rate is not null)
            .Select(p => (p.Impl, p.Rate!.Value))
            .OrderByDescending(p => p.Item2)
            .Cast<(Impl, double)?>()
            .FirstOrDefault();

    private static void WriteFigures(StringBuilder text, Dictionary<(string, string, Impl, int), double> means)
    {
        text.AppendLine("## Figures (samples/s; Predict batch 1: time per call; medians)");
        text.AppendLine();
        text.AppendLine("| model | figure | ModelGen 1T | plain C# | TorchSharp 1T | ONNX Runtime 1T | ModelGen ÷ best 1T peer | ModelGen all cores | all cores ÷ 1T | TorchSharp all cores | ONNX Runtime all cores | ModelGen all cores ÷ best all-cores peer |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (ModelSpec spec in Measured(means))
        {
            foreach (Figure figure in Measured(means, spec.Name))
            {
                string m = spec.Name;
                text.Append($"| {m} | {Name(figure)} | {Cell(means, m, Impl.ModelGen, figure)} | {Cell(means, m, Impl.PlainCSharp, figure)} ");
                text.Append($"| {Cell(means, m, Impl.TorchSharp, figure)} | {Cell(means, m, Impl.OnnxRuntime, figure)} | {RatioCell(means, m, figure, s_singleThreadPeers)} ");
                double? one = Rate(means, m, Impl.ModelGen, figure), all = Rate(means, m, Impl.ModelGenAllCores, figure);
                string scaling = one is null || all is null ? "n/a" : FormatRatio(all.Value / one.Value);
                text.Append($"| {Cell(means, m, Impl.ModelGenAllCores, figure)} | {scaling} ");
                text.AppendLine($"| {Cell(means, m, Impl.TorchSharpAllCores, figure)} | {Cell(means, m, Impl.OnnxRuntimeAllCores, figure)} | {RatioCell(means, m, figure, s_allCoresPeers, OwnAllCores(means, m, figure))} |");
            }
        }

        text.AppendLine();
    }

    private static string RatioCell(Dictionary<(string, string, Impl, int), double> means, string model, Figure figure, Impl[] peers, Impl self = Impl.ModelGen)
    {
        double? own = Rate(means, model, self, figure);
        (Impl Impl, double Rate)? best = Best(means, model, figure, peers);
        return own is null || best is null ? "n/a" : $"**{FormatRatio(own.Value / best.Value.Rate)}** ({best.Value.Impl})";
    }

    private static void WritePeerRatios(StringBuilder text, Dictionary<(string, string, Impl, int), double> means)
    {
        text.AppendLine("## ModelGen ÷ each peer (speed ratio; above 1: ModelGen faster)");
        text.AppendLine();
        Impl[] peers = [Impl.PlainCSharp, Impl.TorchSharp, Impl.OnnxRuntime, Impl.TorchSharpAllCores, Impl.OnnxRuntimeAllCores];
        text.AppendLine("| model | figure | " + string.Join(" | ", peers) + " |");
        text.AppendLine("|---|---|" + string.Concat(peers.Select(_ => "---|")));
        foreach (ModelSpec spec in Measured(means))
        {
            foreach (Figure figure in Measured(means, spec.Name))
            {
                double? own = Rate(means, spec.Name, Impl.ModelGen, figure);
                IEnumerable<string> cells = peers.Select(p => Rate(means, spec.Name, p, figure) is { } rate && own is not null ? FormatRatio(own.Value / rate) : "n/a");
                text.AppendLine($"| {spec.Name} | {Name(figure)} | {string.Join(" | ", cells)} |");
            }
        }

        text.AppendLine();
    }

    /// <summary>FLOPs of the Dense GEMMs of one training step per sample: forward, weight gradients, input gradients.</summary>
    private static double TrainingGemmFlopsPerSample(ModelSpec spec) => 2.0 * (2 * spec.DenseMacsPerSample + spec.DenseInputGradientMacsPerSample);

    private static double? WritePeak(StringBuilder text, Dictionary<string, double> peak, Dictionary<(string, string, Impl, int), double> means)
    {
        text.AppendLine("## FP32 peak of one core, and M4's training GEMM rate");
        text.AppendLine();
        double? best = null;
        foreach ((string method, int lanes) in new[] { (nameof(FmaPeak.Vector512Fma), 16), (nameof(FmaPeak.Vector256Fma), 8) })
        {
            if (peak.TryGetValue(method, out double ns))
            {
                double gflops = FmaPeak.FlopsPerIteration(lanes) / ns;
                best = Math.Max(best ?? 0, gflops);
                text.AppendLine($"- {method}: {gflops:F1} GFLOP/s ({FmaPeak.Chains(lanes)} independent FMAs of {lanes} floats per iteration, one thread)");
            }
        }

        if (best is null)
        {
            text.AppendLine("- FmaPeak did not run (include `*FmaPeak*` in the filter).");
            text.AppendLine();
            return null;
        }

        text.AppendLine($"- measured peak: **{best:F1} GFLOP/s**");
        ModelSpec m4 = ModelSpecs.M4;
        double flops = TrainingGemmFlopsPerSample(m4);
        text.AppendLine($"- M4 training: {flops / 1e6:F2} MFLOP of GEMM per sample (forward, weight gradients, input gradients of the 2nd and 3rd Dense)");
        foreach (Impl impl in new[] { Impl.ModelGen, Impl.ModelGenAllCores, Impl.PlainCSharp, Impl.TorchSharp, Impl.TorchSharpAllCores })
        {
            foreach (Figure figure in new[] { Figure.Train32, Figure.Train128 })
            {
                if (Rate(means, "M4", impl, figure) is { } rate)
                {
                    double gflops = rate * flops / 1e9;
                    string cores = Nets.IsSingleThreaded(impl) ? "" : $" (on {Environment.ProcessorCount} cores)";
                    text.AppendLine($"  - {impl}, {Name(figure)}: {gflops:F1} GFLOP/s = **{100 * gflops / best.Value:F0}%** of one core's peak{cores}");
                }
            }
        }

        text.AppendLine();
        return best;
    }

    /// <summary>The bare GEMM kernels at M4's shapes (GemmM4), and how much of an M4 training step at batch 128 they explain.</summary>
    private static void WriteGemm(StringBuilder text, Dictionary<string, double> kernels, Dictionary<(string, string, Impl, int), double> means, double? peakGflops)
    {
        string[] methods = [nameof(GemmM4.Layer1Forward), nameof(GemmM4.Layer1WeightGradient), nameof(GemmM4.Layer2Forward), nameof(GemmM4.Layer2WeightGradient), nameof(GemmM4.Layer2InputGradient)];
        if (!methods.Any(kernels.ContainsKey))
        {
            return;
        }

        text.AppendLine($"## M4's GEMM kernels alone, batch {GemmM4.Batch} (ModelGen.CompilerServices.Gemm)");
        text.AppendLine();
        text.AppendLine("| product | m × k × n | time | GFLOP/s | of peak |");
        text.AppendLine("|---|---|---|---|---|");
        double total = 0;
        foreach (string method in methods)
        {
            if (!kernels.TryGetValue(method, out double ns))
            {
                continue;
            }

            (int m, int k, int n) = GemmM4.Shape(method);
            double gflops = 2.0 * m * k * n / ns;
            total += ns;
            string share = peakGflops is { } peak ? $"{100 * gflops / peak:F0}%" : "n/a";
            text.AppendLine($"| {method} | {m} × {k} × {n} | {FormatTime(ns)} | {gflops:F1} | {share} |");
        }

        if (means.TryGetValue((nameof(Training), "M4", Impl.ModelGen, GemmM4.Batch), out double step) && methods.All(kernels.ContainsKey))
        {
            text.AppendLine();
            text.AppendLine($"These five products (all of M4's GEMM work but the 10-unit output layer's, which is under 2% of the FLOPs) take {FormatTime(total)}; " +
                $"a whole ModelGen training step at batch {GemmM4.Batch} takes {FormatTime(step)}, so the GEMMs are about {100 * Math.Min(total, step) / step:F0}% of the step.");
        }

        text.AppendLine();
    }

    /// <summary>M6's LSTM kernels at batch 1 (Predict) and 32 (a training step), their parts and what is left (LstmM6).</summary>
    private static void WriteLstm(StringBuilder text, Dictionary<string, double> kernels, Dictionary<(string, string, Impl, int), double> means, double? peakGflops)
    {
        if (!LstmM6.Methods.Concat(LstmM6.Alternatives).Any(kernels.ContainsKey))
        {
            return;
        }

        text.AppendLine($"## M6's LSTM kernels and their parts (ModelGen.CompilerServices.Lstm; {LstmM6.Timesteps} steps × {LstmM6.Features} features, {LstmM6.Units} units)");
        text.AppendLine();
        text.AppendLine("| kernel or part | time | GEMM GFLOP/s | of peak | share of its kernel(s) |");
        text.AppendLine("|---|---|---|---|---|");
        double Time(string method) => kernels.TryGetValue(method, out double ns) ? ns : double.NaN;
        double inference = Time(nameof(LstmM6.InferenceLstm));
        double forward = Time(nameof(LstmM6.TrainingForward)), backward = Time(nameof(LstmM6.TrainingBackward));
        double training = forward + backward;
        void Row(string name, double ns, double flops, double whole)
        {
            if (double.IsNaN(ns))
            {
                return;
            }

            string gflops = flops > 0 ? (flops / ns).ToString("F1", CultureInfo.InvariantCulture) : "—";
            string ofPeak = flops > 0 && peakGflops is { } peak ? $"{100 * flops / ns / peak:F0}%" : flops > 0 ? "n/a" : "—";
            string share = double.IsNaN(whole) ? "n/a" : $"{100 * ns / whole:F0}%";
            text.AppendLine($"| {name} | {FormatTime(ns)} | {gflops} | {ofPeak} | {share} |");
        }

        foreach (string method in LstmM6.Methods)
        {
            Row(LstmM6.IsWhole(method) ? $"**{method}**" : method, Time(method), LstmM6.GemmFlops(method), LstmM6.IsInference(method) ? inference : training);
        }

        // What the parts leave: copies, bias, cell update, h = o · tanh(c), and the backward pass's elementwise passes.
        Row("rest of InferenceLstm", inference - Time(nameof(LstmM6.InferenceProjection)) - Time(nameof(LstmM6.InferenceRecurrentGemms)) - Time(nameof(LstmM6.InferenceActivations)), 0, inference);
        Row("rest of TrainingForward", forward - Time(nameof(LstmM6.TrainingProjection)) - Time(nameof(LstmM6.TrainingRecurrentGemms)) - Time(nameof(LstmM6.TrainingActivations)), 0, training);
        Row("rest of TrainingBackward", backward - Time(nameof(LstmM6.TrainingRecurrentGradientGemms)) - Time(nameof(LstmM6.TrainingHiddenGradientGemms)) - Time(nameof(LstmM6.TrainingKernelGradient)), 0, training);
        text.AppendLine();
        text.AppendLine("Shares: the inference rows of InferenceLstm (batch 1), the training rows of TrainingForward + TrainingBackward (batch 32). " +
            "A rest is its kernel less the parts above (copies, the bias, the cell update and h = o · tanh(c); in the backward pass the per-row elementwise passes and the bias gradient).");
        if (!double.IsNaN(inference) && means.TryGetValue((nameof(Inference), "M6", Impl.ModelGen, 1), out double predict))
        {
            text.AppendLine($"M6's Predict at batch 1 takes {FormatTime(predict)}: the LSTM is {100 * inference / predict:F0}% of it.");
        }

        if (!double.IsNaN(training) && means.TryGetValue((nameof(Training), "M6", Impl.ModelGen, 32), out double step))
        {
            text.AppendLine($"M6's training step at batch 32 takes {FormatTime(step)}: the LSTM's forward and backward passes are {100 * training / step:F0}% of it.");
        }

        text.AppendLine();
        if (!LstmM6.Alternatives.Any(kernels.ContainsKey))
        {
            return;
        }

        text.AppendLine("What-ifs (the same work arranged otherwise; not what the kernels do):");
        text.AppendLine();
        text.AppendLine("| what-if | time | GEMM GFLOP/s | instead of | its time |");
        text.AppendLine("|---|---|---|---|---|");
        foreach ((string method, string instead) in new[]
        {
            (nameof(LstmM6.RecurrentGradientOneGemm), nameof(LstmM6.TrainingRecurrentGradientGemms)),
            (nameof(LstmM6.HiddenGradientPretransposed), nameof(LstmM6.TrainingHiddenGradientGemms)),
            (nameof(LstmM6.TrainingActivationsContiguous), nameof(LstmM6.TrainingActivations)),
        })
        {
            double ns = Time(method), flops = LstmM6.GemmFlops(method);
            if (!double.IsNaN(ns))
            {
                string gflops = flops > 0 ? (flops / ns).ToString("F1", CultureInfo.InvariantCulture) : "—";
                text.AppendLine($"| {method} | {FormatTime(ns)} | {gflops} | {instead} | {(double.IsNaN(Time(instead)) ? "n/a" : FormatTime(Time(instead)))} |");
            }
        }

        text.AppendLine();
    }

    /// <summary>
    /// The generated M.Gpu (issue 5) against ModelGen on one core and TorchSharp on every core, for the dense models;
    /// or, without a CUDA or OpenCL device, the line saying it was not measured.
    /// </summary>
    private static void WriteGpu(StringBuilder text, Dictionary<(string, string, Impl, int), double> means)
    {
        ModelSpec[] dense = Measured(means).Where(spec => GpuNet.HasGpuClass(spec.Name)).ToArray();
        if (dense.Length == 0)
        {
            return;
        }

        text.AppendLine("## M.Gpu (issue 5): the generated Gpu class through ILGPU");
        text.AppendLine();
        if (GpuNet.Failure is { } failure)
        {
            text.AppendLine($"M.Gpu: {failure}; its rows were left out (ILGPU's CPU accelerator is not a GPU and is not measured).");
            text.AppendLine();
            return;
        }

        text.AppendLine($"On {GpuNet.DeviceName}; host arrays in and out on every call (the batch copied to the device, the loss or outputs back).");
        text.AppendLine();
        text.AppendLine("| model | figure | M.Gpu | ModelGen (CPU, 1 core) | TorchSharp all cores | M.Gpu ÷ TorchSharp all cores |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (ModelSpec spec in dense)
        {
            foreach (Figure figure in Measured(means, spec.Name))
            {
                string m = spec.Name;
                double? gpu = Rate(means, m, Impl.ModelGenGpu, figure), torch = Rate(means, m, Impl.TorchSharpAllCores, figure);
                string ratio = gpu is null || torch is null ? "n/a" : $"**{FormatRatio(gpu.Value / torch.Value)}**";
                text.AppendLine($"| {m} | {Name(figure)} | {Cell(means, m, Impl.ModelGenGpu, figure)} | {Cell(means, m, Impl.ModelGen, figure)} | {Cell(means, m, Impl.TorchSharpAllCores, figure)} | {ratio} |");
            }
        }

        text.AppendLine();
        text.AppendLine("TorchSharp here is TorchSharp-cpu: a comparison with TorchSharp on the same GPU needs the CUDA build of libtorch (see the README).");
        text.AppendLine();
    }

    private static void WriteTargets(StringBuilder text, Dictionary<(string, string, Impl, int), double> means, double? peakGflops)
    {
        if (!Measured(means).Any(spec => s_targets.Keys.Any(k => k.Item1 == spec.Name)))
        {
            return; // e.g. only M5 or M6, for which the issue sets no targets
        }

        text.AppendLine("## The issue's targets (single-threaded; ModelGen ÷ best single-threaded peer)");
        text.AppendLine();
        text.AppendLine("| model | figure | target | measured | best peer here | met? |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (ModelSpec spec in Measured(means))
        {
            foreach (Figure figure in s_figures)
            {
                if (!s_targets.TryGetValue((spec.Name, figure), out (double, string) goal))
                {
                    continue;
                }

                (double min, string target) = goal;
                double? own = Rate(means, spec.Name, Impl.ModelGen, figure);
                (Impl Impl, double Rate)? best = Best(means, spec.Name, figure, s_singleThreadPeers);
                string measured, peer = best is null ? "n/a" : $"{best.Value.Impl} {Cell(means, spec.Name, best.Value.Impl, figure)}", met;
                if (spec.Name == "M4" && figure is Figure.Train32 or Figure.Train128)
                {
                    if (own is null || peakGflops is null || best is null)
                    {
                        text.AppendLine($"| {spec.Name} | {Name(figure)} | {target} | n/a | {peer} | n/a |");
                        continue;
                    }

                    double fraction = own.Value * TrainingGemmFlopsPerSample(spec) / 1e9 / peakGflops.Value;
                    double ratio = own.Value / best.Value.Rate;
                    measured = $"{FormatRatio(ratio)}, {100 * fraction:F0}% of peak";
                    var misses = new List<string>();
                    if (ratio < min) misses.Add($"ratio short by {FormatRatio(min / ratio)}");
                    if (fraction < M4PeakShare) misses.Add($"{100 * fraction:F0}% of the {100 * M4PeakShare:F0}% of peak asked");
                    met = misses.Count == 0 ? "met" : "missed: " + string.Join("; ", misses);
                }
                else if (own is null || best is null)
                {
                    text.AppendLine($"| {spec.Name} | {Name(figure)} | {target} | n/a | {peer} | n/a |");
                    continue;
                }
                else
                {
                    double ratio = own.Value / best.Value.Rate;
                    measured = figure == Figure.Predict1 ? $"{FormatRatio(ratio)} faster (1/{ratio:F2} of the time)" : FormatRatio(ratio);
                    met = ratio >= min ? "met" : $"missed by {FormatRatio(min / ratio)}";
                }

                text.AppendLine($"| {spec.Name} | {Name(figure)} | {target} | {measured} | {peer} | {met} |");
            }
        }

        text.AppendLine();
        WriteAllCoresTargets(text, means);
    }

    /// <summary>Issue 11's all-cores targets: M4's training at batch 128 ≥ 1.7× its single-threaded figure and ≥ 1.3×
    /// TorchSharp with all cores; M4's inference at batch 256 ≥ 1× ONNX Runtime with all cores; M1 and M2 at batch 32 no
    /// slower than with one thread.</summary>
    private static void WriteAllCoresTargets(StringBuilder text, Dictionary<(string, string, Impl, int), double> means)
    {
        var rows = new (string Model, Figure Figure, Impl Against, double Min, string Text)[]
        {
            ("M4", Figure.Train128, Impl.ModelGen, 1.7, "≥ 1.7× ModelGen 1T"),
            ("M4", Figure.Train128, Impl.TorchSharpAllCores, 1.3, "≥ 1.3× TorchSharp all cores"),
            ("M4", Figure.Infer256, Impl.OnnxRuntimeAllCores, 1.0, "≥ 1× ONNX Runtime all cores"),
            ("M1", Figure.Train32, Impl.ModelGen, 1.0, "≥ 1× ModelGen 1T (no slower)"),
            ("M2", Figure.Train32, Impl.ModelGen, 1.0, "≥ 1× ModelGen 1T (no slower)"),
        };
        if (!rows.Any(r => Rate(means, r.Model, Impl.ModelGenAllCores, r.Figure) is not null))
        {
            return;
        }

        text.AppendLine($"## The issue's targets with all cores ({Environment.ProcessorCount} here)");
        text.AppendLine();
        text.AppendLine("| model | figure | target | ModelGen all cores | against | ratio | met? |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach ((string model, Figure figure, Impl against, double min, string target) in rows)
        {
            double? own = Rate(means, model, Impl.ModelGenAllCores, figure), other = Rate(means, model, against, figure);
            if (own is null || other is null)
            {
                text.AppendLine($"| {model} | {Name(figure)} | {target} | {Cell(means, model, Impl.ModelGenAllCores, figure)} | {Cell(means, model, against, figure)} | n/a | n/a |");
                continue;
            }

            double ratio = own.Value / other.Value;
            string met = ratio >= min ? "met" : $"missed by {FormatRatio(min / ratio)}";
            text.AppendLine($"| {model} | {Name(figure)} | {target} | {Cell(means, model, Impl.ModelGenAllCores, figure)} | {Cell(means, model, against, figure)} | {FormatRatio(ratio)} | {met} |");
        }

        text.AppendLine();
    }
}
