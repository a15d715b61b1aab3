using System;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using ModelGen;
using Samples.Circles;
using Samples.Shared;

namespace Samples.AotSmoke;

/// <summary>
/// The NativeAOT check: samples/Circles' BnAfterRelu model (linked from there) through Fit, TrainOnBatch, Evaluate,
/// Predict, SaveWeights/LoadWeights and ExportOnnx on the circles data, printing only what is deterministic (numbers
/// in round-trip form, fingerprints of whole outputs), so that the NativeAOT binary's output can be compared with the
/// JIT build's byte for byte (.ci/run does). Exits with 1 when a check fails.
/// <c>--first-prediction WEIGHTS</c> is for measuring start-up: it loads the weights into a new model, predicts one
/// row, prints it and ends.
/// </summary>
public static class Program
{
    private const int TrainRows = 500;
    private const int Epochs = 20;

    public static int Main(string[] args)
    {
        if (args is ["--first-prediction", string weights])
        {
            return FirstPrediction(weights);
        }

        string output = Path.Combine("artifacts", "aot-smoke");
        if (args is ["--output", string folder])
        {
            output = folder;
        }
        else if (args.Length != 0)
        {
            Console.Error.WriteLine("usage: AotSmoke [--output DIR]   (default: artifacts/aot-smoke)\n       AotSmoke --first-prediction WEIGHTS");
            return 2;
        }

        return Run(Path.GetFullPath(output));
    }

    private static int Run(string output)
    {
        int failures = 0;
        void Check(bool ok, string what)
        {
            Console.WriteLine($"{(ok ? "ok" : "FAILED")}: {what}");
            failures += ok ? 0 : 1;
        }

        Console.WriteLine("AotSmoke: samples/Circles' BnAfterRelu on the circles data, every public path of a generated model");
        Console.WriteLine($"SIMD: Vector512 {YesNo(Vector512.IsHardwareAccelerated)}, Vector256 {YesNo(Vector256.IsHardwareAccelerated)}, " +
            $"Vector128 {YesNo(Vector128.IsHardwareAccelerated)}, Vector<float>.Count {Vector<float>.Count}; " +
            $"Avx2 {YesNo(Avx2.IsSupported)}, Fma {YesNo(Fma.IsSupported)}, Avx512F {YesNo(Avx512F.IsSupported)}");
        Console.WriteLine();
        Console.WriteLine(BnAfterRelu.Summary);

        Csv data = Csv.Load("circles.csv");
        float[] trainX = data.FeatureRows(0, TrainRows), trainY = data.LabelRows(0, TrainRows);
        float[] testX = data.FeatureRows(TrainRows, data.Rows - TrainRows), testY = data.LabelRows(TrainRows, data.Rows - TrainRows);

        // Fit: Keras's numbers per epoch, in round-trip form.
        var model = new BnAfterRelu(seed: 1);
        History history = model.Fit(trainX, trainY, new FitOptions { Epochs = Epochs, BatchSize = 32, Seed = 1, ValidationData = (testX, testY), Verbose = 0 });
        Console.WriteLine($"Fit, {Epochs} epochs of batch 32 (seed 1), with the test half as validation data:");
        for (int e = 0; e < history.Epochs; e++)
        {
            if (e > 0 && (e + 1) % 5 != 0)
            {
                continue;
            }

            Console.WriteLine($"  epoch {e + 1,2}: loss {R(history.Loss[e])}  accuracy {R(history.Accuracy[e])}  val_loss {R(history.ValLoss[e])}  val_accuracy {R(history.ValAccuracy[e])}");
        }

        double[] curves = new double[4 * history.Epochs];
        for (int e = 0; e < history.Epochs; e++)
        {
            (curves[4 * e], curves[4 * e + 1], curves[4 * e + 2], curves[4 * e + 3]) = (history.Loss[e], history.Accuracy[e], history.ValLoss[e], history.ValAccuracy[e]);
        }

        Console.WriteLine($"  every epoch's four figures: SHA-256 {Fingerprint(MemoryMarshal.AsBytes(curves.AsSpan()))}");
        Check(history.Epochs == Epochs && history.ValAccuracy[^1] >= 0.8, $"Fit ran {history.Epochs} epochs and reached test accuracy {R(history.ValAccuracy[^1])} >= 0.8");

        // TrainOnBatch: one more step on the first batch.
        float loss = model.TrainOnBatch(trainX.AsSpan(0, 32 * BnAfterRelu.InputSize), trainY.AsSpan(0, 32));
        Console.WriteLine($"TrainOnBatch (the first 32 rows): loss {R(loss)}");

        // Evaluate (inference mode).
        EvaluationResult train = model.Evaluate(trainX, trainY), test = model.Evaluate(testX, testY);
        Console.WriteLine($"Evaluate: train loss {R(train.Loss)} accuracy {R(train.Accuracy)}; test loss {R(test.Loss)} accuracy {R(test.Accuracy)}");

        // Predict: the first rows, and a fingerprint of every test row's output bits.
        float[] predictions = new float[testY.Length];
        model.Predict(testX, predictions);
        Console.WriteLine($"Predict, test rows 0..3: {R(predictions[0])} {R(predictions[1])} {R(predictions[2])} {R(predictions[3])}");
        Console.WriteLine($"Predict, all {predictions.Length} test rows: SHA-256 of the outputs {Fingerprint(predictions)}");

        // SaveWeights / LoadWeights: a model with other initial weights loads them and predicts the same bits.
        Directory.CreateDirectory(output);
        string weightsPath = Path.Combine(output, "BnAfterRelu.weights");
        model.SaveWeights(weightsPath);
        byte[] saved = File.ReadAllBytes(weightsPath);
        Console.WriteLine($"SaveWeights: {saved.Length} bytes, SHA-256 {Fingerprint(saved)}");
        var loaded = new BnAfterRelu(seed: 2);
        loaded.LoadWeights(weightsPath);
        float[] reloaded = new float[testY.Length];
        loaded.Predict(testX, reloaded);
        Check(MemoryMarshal.AsBytes(reloaded.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(predictions.AsSpan())), "LoadWeights into a new model (seed 2): Predict bit-identical on every test row");
        string resavedPath = Path.Combine(output, "BnAfterRelu.resaved.weights");
        loaded.SaveWeights(resavedPath);
        Check(File.ReadAllBytes(resavedPath).AsSpan().SequenceEqual(saved), "SaveWeights of the loaded model: the same file, byte for byte");
        Check(SameWeights(model.GetWeights(), loaded.GetWeights()), "GetWeights: the loaded model's weights equal the trained model's");

        // ExportOnnx: the inference graph as a file.
        string onnxPath = Path.Combine(output, "BnAfterRelu.onnx");
        File.Delete(onnxPath);
        model.ExportOnnx(onnxPath);
        byte[] onnx = File.Exists(onnxPath) ? File.ReadAllBytes(onnxPath) : Array.Empty<byte>();
        Console.WriteLine($"ExportOnnx: {onnx.Length} bytes, SHA-256 {Fingerprint(onnx)}");
        Check(onnx.Length > 0, "ExportOnnx wrote a non-empty file");

        Console.WriteLine(failures == 0 ? "AotSmoke: every check passed" : $"AotSmoke: {failures} check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Start-up: a new model loads <paramref name="weights"/> and predicts one row, then the process ends. The
    /// time from process start to that result is measured from outside (README, "NativeAOT").</summary>
    private static int FirstPrediction(string weights)
    {
        var model = new BnAfterRelu();
        model.LoadWeights(weights);
        Span<float> x = stackalloc float[] { 0.5f, -0.25f };
        Span<float> y = stackalloc float[1];
        model.Predict(x, y);
        Console.WriteLine($"first prediction: {R(y[0])}");
        return 0;
    }

    private static bool SameWeights(float[][] a, float[][] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!MemoryMarshal.AsBytes(a[i].AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b[i].AsSpan())))
            {
                return false;
            }
        }

        return true;
    }

    private static string Fingerprint(ReadOnlySpan<float> values) => Fingerprint(MemoryMarshal.AsBytes(values));

    private static string Fingerprint(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant()[..16];

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string R(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string YesNo(bool value) => value ? "yes" : "no";
}
