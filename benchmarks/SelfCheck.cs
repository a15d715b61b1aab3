using System;
using System.Linq;

namespace ModelGen.Benchmarks;

/// <summary>
/// Before measuring: every peer computes what the generated model computes from the same weights. Predict outputs agree
/// for every model; for the models without dropout, one training step agrees too (the plain loops: loss and every
/// weight after the step; TorchSharp: the loss). Dropout draws different masks in each implementation, so M2's
/// training is only checked for a finite loss. The plain loops have no conv2d: M5 (the CNN) is checked against
/// TorchSharp and ONNX Runtime only.
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

        return result;
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
