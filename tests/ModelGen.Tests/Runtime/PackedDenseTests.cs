using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using ModelGen.Tests.Threading;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The batch-1 Dense path: kernels packed in panels of 16 columns, and the generated Predict that uses them.</summary>
public class PackedDenseTests
{
    public static IEnumerable<object[]> Shapes() => new (int Inputs, int Units)[]
    {
        (784, 512), (512, 512), (192, 100), (100, 99), (64, 64), (14, 64), (3, 16), (1, 17), (130, 200), (7, 33), (257, 48),
    }.Select(s => new object[] { s.Inputs, s.Units });

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_packed_row_has_the_bits_of_the_same_row_in_a_GEMM_on_every_width(int inputs, int units)
    {
        var random = new Random(inputs * 1000 + units);
        float[] kernel = Enumerable.Range(0, inputs * units).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] x = Enumerable.Range(0, 3 * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var packed = new float[PackedDense.PackedLength(inputs, units)];
        Assert.Equal((units + 15) / 16 * 16 * (inputs + 1), packed.Length);
        PackedDense.Pack(kernel, packed, inputs, units);

        // Three rows through the GEMM (the batch path); each row alone through the packed product.
        var batch = new float[3 * units];
        Gemm.Multiply(x, kernel, batch, 3, inputs, units, accumulate: false);
        double largest = 0;
        foreach (SimdWidth width in TestData.AllWidths)
        {
            for (int r = 0; r < 3; r++)
            {
                var row = new float[units];
                PackedDense.MultiplyRow(x.AsSpan(r * inputs, inputs), packed, row, inputs, units, width);
                for (int j = 0; j < units; j++)
                {
                    double reference = 0;
                    for (int p = 0; p < inputs; p++)
                    {
                        reference += (double)x[r * inputs + p] * kernel[p * units + j];
                    }

                    largest = Math.Max(largest, Math.Abs(row[j] - reference));
                    Assert.True(BitConverter.SingleToInt32Bits(batch[r * units + j]) == BitConverter.SingleToInt32Bits(row[j]),
                        $"{width}: row {r}, unit {j}: packed {row[j]:R}, GEMM {batch[r * units + j]:R}");
                }
            }
        }

        Assert.True(largest < 1e-4 * Math.Sqrt(inputs), $"largest error {largest}");
    }

    [Theory]
    [InlineData(784, 512)]
    [InlineData(192, 100)]
    [InlineData(100, 99)]
    [InlineData(14, 64)]
    [InlineData(300, 17)]
    public void The_GEMM_on_prepacked_panels_has_the_bits_of_the_plain_GEMM_on_any_threads(int inputs, int units)
    {
        var random = new Random(inputs + units);
        float[] kernel = Enumerable.Range(0, inputs * units).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] bias = Enumerable.Range(0, units).Select(_ => (float)random.NextDouble()).ToArray();
        var packed = new float[PackedDense.PackedLength(inputs, units)];
        PackedDense.Pack(kernel, packed, inputs, units);
        foreach (int rows in new[] { 2, 7, 40, 300 })
        {
            float[] x = Enumerable.Range(0, rows * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var plainZ = new float[rows * units];
            var plainY = new float[rows * units];
            FusedDense.Forward(x, kernel, bias, plainZ, plainY, rows, inputs, units, Activation.Relu);
            foreach (int degree in new[] { 1, 2 })
            {
                using Parallelism.Scope scope = Parallelism.Enter(degree);
                var z = new float[rows * units];
                var y = new float[rows * units];
                FusedDense.Forward(x, kernel, packed, bias, z, y, rows, inputs, units, Activation.Relu);
                Assert.True(plainZ.AsSpan().SequenceEqual(z), $"{rows} rows, degree {degree}: pre-activation");
                Assert.True(plainY.AsSpan().SequenceEqual(y), $"{rows} rows, degree {degree}: output");
            }
        }
    }

    [Fact]
    public void Packing_pads_the_last_panel_with_zero_columns_and_checks_lengths()
    {
        float[] kernel = Enumerable.Range(1, 2 * 18).Select(i => (float)i).ToArray(); // [2, 18]
        var packed = new float[PackedDense.PackedLength(2, 18)];
        Assert.Equal(96, packed.Length); // two panels of (2 inputs + 1 spacing line) × 16
        packed.AsSpan().Fill(float.NaN);
        PackedDense.Pack(kernel, packed, 2, 18);
        Assert.Equal(kernel.AsSpan(0, 16).ToArray(), packed.AsSpan(0, 16).ToArray());   // input 0, columns 0-15
        Assert.Equal(kernel.AsSpan(18, 16).ToArray(), packed.AsSpan(16, 16).ToArray()); // input 1, columns 0-15
        Assert.All(packed.AsSpan(32, 16).ToArray(), v => Assert.Equal(0f, v));          // spacing line
        Assert.Equal(new float[] { 17, 18 }, packed.AsSpan(48, 2).ToArray());           // input 0, columns 16-17
        Assert.All(packed.AsSpan(50, 14).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(new float[] { 35, 36 }, packed.AsSpan(64, 2).ToArray());
        Assert.All(packed.AsSpan(66, 30).ToArray(), v => Assert.Equal(0f, v));

        var error = Assert.Throws<ArgumentException>(() => PackedDense.Pack(kernel, new float[95], 2, 18));
        Assert.Contains("96", error.Message);
        error = Assert.Throws<ArgumentException>(() => PackedDense.Pack(kernel.AsSpan(1).ToArray(), packed, 2, 18));
        Assert.Contains("36", error.Message);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("folded")]
    public void Predict_of_one_sample_matches_its_row_in_a_batch_before_and_after_the_weights_change(string which)
    {
        ITrainableModel model = which == "mlp" ? new TestModels.ParallelMlp(4) : new Samples.LearningRates.BatchNormMlp(4);
        float[] x = ModelCase.Inputs(model, 40, seed: 9);
        float[] y = ModelCase.Labels(model, 40, seed: 10);
        AssertSingleRowsMatchBatch(model, x);

        model.TrainOnBatch(x, y); // the packed kernels must follow the new weights
        AssertSingleRowsMatchBatch(model, x);

        ITrainableModel other = which == "mlp" ? new TestModels.ParallelMlp(5) : new Samples.LearningRates.BatchNormMlp(5);
        model.SetWeights(other.GetWeights());
        AssertSingleRowsMatchBatch(model, x);
        Assert.Equal(ModelCase.Predict(other, x.AsSpan(0, model.InputSize).ToArray()), ModelCase.Predict(model, x.AsSpan(0, model.InputSize).ToArray()));
    }

    private static void AssertSingleRowsMatchBatch(IModel model, float[] x)
    {
        int rows = x.Length / model.InputSize;
        float[] batch = ModelCase.Predict(model, x);
        var one = new float[model.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            model.Predict(x.AsSpan(r * model.InputSize, model.InputSize), one);
            Assert.True(one.AsSpan().SequenceEqual(batch.AsSpan(r * model.OutputSize, model.OutputSize)), $"sample {r}");
        }
    }
}
