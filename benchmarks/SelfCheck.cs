using System;
using System.Linq;

namespace ModelGen.Benchmarks;

/// <summary>
/// Before measuring: every peer computes what the generated model computes from the same weights. Predict outputs agree
/// for every model; for the models without dropout, one training step agrees too (the plain loops: loss and every
/// weight after the step; TorchSharp: the loss, and the trained weights after the step, also as the step itself, so
/// that the backward pass is checked and not only the forward one). Dropout draws different masks in each
/// implementation, so M2's training is only checked for a finite loss. The plain loops have no conv2d and no lstm: M5
/// (the CNN) and M6 (the LSTM) are checked against TorchSharp and ONNX Runtime only.
/// </summary>
public static class SelfCheck
{
    public static bool Run()
    {
        bool ok = true;
        Console.WriteLine("Self-check: every peer against the generated model, same weights");
        foreach (ModelSpec spec in ModelSpecs.All)
        {
            foreach (Impl impl in new[] { Impl.PlainCSharp, Impl.TorchSharp, Impl.OnnxRuntime })
            {
                string? unavailable = Nets.Unavailable(impl, spec.Name);
                if (unavailable is not null)
                {
                    Console.WriteLine($"  {spec.Name} {impl,-12} skipped: {unavailable}");
                    continue;
                }

                try
                {
                    string result = Check(spec, impl, out bool passed);
                    ok &= passed;
                    Console.WriteLine($"  {spec.Name} {impl,-12} {(passed ? "ok" : "MISMATCH")}: {result}");
                }
                catch (Exception e)
                {
                    ok = false;
                    Console.WriteLine($"  {spec.Name} {impl,-12} FAILED: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        return ok;
    }

    private static string Check(ModelSpec spec, Impl impl, out bool passed)
    {
        const int batch = 32;
        (float[] x, float[] labels) = ModelSpecs.Data(spec, batch, seed: 7);
        using var reference = (ModelGenNet)Nets.Create(spec, Impl.ModelGen);
        using INet peer = Nets.Create(spec, impl);

        reference.Bind(x, labels, batch, training: false);
        peer.Bind(x, labels, batch, training: false);
        reference.Predict();
        peer.Predict();
        double predictError = MaxError(reference.Output, peer.Output);
        passed = predictError <= 1e-4;
        string result = $"Predict max error {predictError:E1}";
        if (impl is Impl.OnnxRuntime)
        {
            return result;
        }

        reference.Bind(x, labels, batch, training: true);
        peer.Bind(x, labels, batch, training: true);
        float[][] before = reference.Model.GetWeights();
        float referenceLoss = reference.TrainStep();
        float peerLoss = peer.TrainStep();
        if (spec.HasDropout)
        {
            passed &= float.IsFinite(peerLoss);
            return result + $"; training loss {peerLoss:F4} (dropout: masks differ, not compared)";
        }

        double lossError = Math.Abs(referenceLoss - peerLoss) / Math.Max(1, Math.Abs(referenceLoss));
        passed &= lossError <= 1e-4;
        result += $"; loss {referenceLoss:F5} vs {peerLoss:F5}";
        if (peer is PlainNet plain)
        {
            float[][] expected = reference.Model.GetWeights(), actual = plain.GetWeights();
            double weightError = expected.Zip(actual, MaxError).Max();
            passed &= weightError <= 1e-4;
            result += $"; weights after one step max error {weightError:E1}";
        }
        else if (peer is TorchNet torch)
        {
            // The loss above is the forward pass's; the trained weights after the step check the backward pass (for M6,
            // through time) and the update: as weights, and as the step itself (after − before), relative to each
            // tensor's largest change (see StepFloor), which a wrong gradient shows even where it moves the weights by less
            // than 1e-4.
            // PyTorch's running variance is the unbiased batch variance, Keras's the biased one, so BatchNormalization's
            // moving statistics differ by design and are left out.
            float[][] expected = reference.Model.GetWeights(), actual = torch.GetWeights();
            bool[] trained = Trainable(spec);
            if (expected.Length != trained.Length || actual.Length != trained.Length)
            {
                passed = false;
                return result + $"; {actual.Length} weights against {expected.Length}";
            }

            int[] indices = Enumerable.Range(0, trained.Length).Where(i => trained[i]).ToArray();
            double weightError = indices.Max(i => MaxError(expected[i], actual[i]));
            double stepError = indices.Max(i => StepError(before[i], expected[i], actual[i]));
            passed &= weightError <= 1e-4 && stepError <= 1e-2;
            result += $"; trained weights after one step max error {weightError:E1}, the step's {stepError:E1}";
        }

        return result;
    }

    /// <summary>Per weight tensor in Keras's order, whether the optimizer trains it (not BatchNormalization's moving statistics).</summary>
    private static bool[] Trainable(ModelSpec spec) => spec.Layers.SelectMany(layer => layer switch
    {
        DenseSpec or Conv2DSpec => new[] { true, true },
        LstmSpec => new[] { true, true, true },
        BatchNormSpec => new[] { true, true, false, false },
        _ => Array.Empty<bool>(),
    }).ToArray();

    /// <summary>
    /// The smallest change a step's error is taken relative to: a Dense bias before BatchNormalization has a gradient of
    /// zero up to rounding (the normalization removes it), so its step is 1e-9 or less and rounding noise alone would be
    /// 100% of it; every other tensor of these models moves by 1e-4 to 1e-2 in the first step.
    /// </summary>
    private const double StepFloor = 1e-5;

    /// <summary>The largest difference between two steps from <paramref name="before"/>, relative to the largest change of
    /// <paramref name="expected"/> (at least <see cref="StepFloor"/>).</summary>
    private static double StepError(float[] before, float[] expected, float[] actual)
    {
        if (expected.Length != before.Length || actual.Length != before.Length)
        {
            return double.PositiveInfinity;
        }

        double largest = 0, error = 0;
        for (int i = 0; i < before.Length; i++)
        {
            double step = (double)expected[i] - before[i];
            largest = Math.Max(largest, Math.Abs(step));
            error = Math.Max(error, Math.Abs(step - ((double)actual[i] - before[i])));
        }

        return double.IsNaN(error) ? double.PositiveInfinity : error / Math.Max(largest, StepFloor);
    }

    /// <summary>The largest |a - b| / max(1, |a|).</summary>
    private static double MaxError(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
        {
            return double.PositiveInfinity;
        }

        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            max = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(max, error);
        }

        return max;
    }
}
