using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.GpuCheck;

/// <summary>
/// The comparison rules of tests/ModelGen.Tests/Gpu (GpuModels.AssertClose and AssertCloseNormwise), copied: instead of
/// asserting, each returns the first mismatch as a message (null when everything is within the tolerance).
/// </summary>
internal static class Compare
{
    public const double Relative = 1e-4;

    /// <summary>|expected - actual| ≤ relative · max(|expected|, 1e-2): 1e-4 relative, and 1e-6 absolute near zero.</summary>
    public static string? Close(double expected, double actual, string what, double relative = Relative) =>
        Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-2) || (double.IsNaN(expected) && double.IsNaN(actual))
            ? null
            : $"{what}: CPU {expected:R}, GPU {actual:R} (difference {Math.Abs(expected - actual):E2})";

    public static string? Close(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what, double relative = Relative)
    {
        if (expected.Count != actual.Count)
        {
            return $"{what}: CPU has {expected.Count} values, GPU {actual.Count}";
        }

        for (int i = 0; i < expected.Count; i++)
        {
            if (Close(expected[i], actual[i], $"{what}[{i}]", relative) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    public static string? Close(float[][] expected, float[][] actual, string what, double relative = Relative)
    {
        if (expected.Length != actual.Length)
        {
            return $"{what}: CPU has {expected.Length} tensors, GPU {actual.Length}";
        }

        for (int t = 0; t < expected.Length; t++)
        {
            if (Close(expected[t], actual[t], $"{what}: tensor {t}", relative) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>Each tensor within <paramref name="relative"/> of its largest magnitude (weights after many steps).</summary>
    public static string? CloseNormwise(float[][] expected, float[][] actual, string what, double relative = Relative)
    {
        if (expected.Length != actual.Length)
        {
            return $"{what}: CPU has {expected.Length} tensors, GPU {actual.Length}";
        }

        for (int t = 0; t < expected.Length; t++)
        {
            if (expected[t].Length != actual[t].Length)
            {
                return $"{what}: tensor {t}: CPU has {expected[t].Length} values, GPU {actual[t].Length}";
            }

            double scale = Math.Max(expected[t].Length == 0 ? 0 : expected[t].Max(Math.Abs), 1e-2);
            for (int i = 0; i < expected[t].Length; i++)
            {
                if (!(Math.Abs(expected[t][i] - actual[t][i]) <= relative * scale))
                {
                    return $"{what}: tensor {t}[{i}]: CPU {expected[t][i]:R}, GPU {actual[t][i]:R} " +
                        $"(difference {Math.Abs(expected[t][i] - actual[t][i]):E2}, tensor scale {scale:E2})";
                }
            }
        }

        return null;
    }
}
