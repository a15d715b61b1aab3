using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace ModelGen.Benchmarks;

/// <summary>
/// One short job for the whole suite (a 2-core machine runs every row in one sitting): 1 launch, 3 warm-up and
/// 10 measured iterations of about 250 ms each, with DOTNET_TC_CallCountingDelayMs=0 so that tiered compilation reaches
/// its final code before measuring; MemoryDiagnoser; a samples/s (or GFLOP/s) column from the median (robust to other
/// processes taking the core now and then; the report uses the median too); peers that cannot run here
/// (TorchSharp not loadable, no ONNX export yet) filtered out and named in the report instead.
/// </summary>
public static class BenchmarkConfig
{
    public static Job Job { get; } = Job.Default
        .WithId("ModelGen")
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10)
        .WithIterationTime(TimeInterval.FromMilliseconds(250))
        .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TC_CallCountingDelayMs", "0"));

    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(StatisticColumn.Median, new ThroughputColumn())
        .AddFilter(new SimpleFilter(benchmarkCase => Unavailable(benchmarkCase) is null))
        .WithOptions(ConfigOptions.JoinSummary)
        .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));

    /// <summary>Why a benchmark case cannot run here, or null.</summary>
    public static string? Unavailable(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Impl")?.Value is Impl impl
        && benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Model")?.Value is string model
            ? Nets.Unavailable(impl, model)
            : null;

    /// <summary>Samples per second for Training/Inference (Batch ÷ mean time), GFLOP/s for FmaPeak.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "Throughput";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => false;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Training/Inference: samples per second (Batch / Median); FmaPeak, GemmM4: GFLOP/s (from the Median)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Median;
            if (meanNs is not > 0)
            {
                return "NA";
            }

            if (benchmarkCase.Descriptor.Type == typeof(FmaPeak))
            {
                int lanes = benchmarkCase.Descriptor.WorkloadMethod.Name.StartsWith("Vector512", StringComparison.Ordinal) ? 16 : 8;
                return $"{FmaPeak.FlopsPerIteration(lanes) / meanNs.Value:F1} GFLOP/s";
            }

            if (benchmarkCase.Descriptor.Type == typeof(GemmM4))
            {
                (int m, int k, int n) = GemmM4.Shape(benchmarkCase.Descriptor.WorkloadMethod.Name);
                return $"{2.0 * m * k * n / meanNs.Value:F1} GFLOP/s";
            }

            object? batch = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Batch")?.Value;
            return batch is int samples ? Report.FormatRate(samples * 1e9 / meanNs.Value) + " samples/s" : "-";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
