using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.Tests.Runtime;

/// <summary>Shared helpers for the runtime tests: golden files, widths, references and tolerances.</summary>
internal static class TestData
{
    public static readonly SimdWidth[] AllWidths = { SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512 };

    public static IEnumerable<object[]> Widths()
    {
        foreach (SimdWidth w in AllWidths)
        {
            yield return new object[] { w };
        }
    }

    public static JsonDocument LoadGolden(string fileName) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", fileName)));

    /// <summary>Flattens a (nested) JSON array of numbers in row-major order.</summary>
    public static double[] Flatten(JsonElement element)
    {
        var values = new List<double>();
        Add(element, values);
        return values.ToArray();

        static void Add(JsonElement e, List<double> values)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement child in e.EnumerateArray())
                {
                    Add(child, values);
                }
            }
            else
            {
                values.Add(e.GetDouble());
            }
        }
    }

    public static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    public static float[] RandomFloats(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }

        return values;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= tolerance))
            {
                Xunit.Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|error| {error:E2} > {tolerance:E2}).");
            }
        }
    }

    /// <summary>Asserts |expected - actual| ≤ absolute + relative·|expected| element by element.</summary>
    public static void AssertScaled(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(error <= tolerance))
            {
                Xunit.Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|error| {error:E2} > {tolerance:E2}).");
            }
        }
    }
}
