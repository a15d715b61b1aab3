using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Samples.Serving;

/// <summary>What the program does: a self-checking demo (the default), a server until Ctrl+C, or the load test.</summary>
internal enum Mode
{
    Demo,
    Serve,
    Load,
}

/// <summary>The server's two implementations of the same <c>POST /predict</c>.</summary>
internal enum Backend
{
    /// <summary>The generated class's own <c>Predict</c>.</summary>
    ModelGen,

    /// <summary>ONNX Runtime's <c>InferenceSession</c> on the model's <c>ExportOnnx</c> output.</summary>
    Onnx,
}

/// <summary>This sample's options (see <see cref="CommandLine.Usage"/>).</summary>
internal sealed record ServingOptions(
    Mode Mode,
    int? Port,
    Backend? Backend,
    string? WeightsPath,
    string? SaveWeightsPath,
    int Epochs,
    int Seed,
    int Seconds,
    int WarmupSeconds,
    int[] Clients,
    int Batch,
    int MaxRequests);

/// <summary>This sample's usage text, defaults and parsing (in the shape of <see cref="Samples.Shared.SampleOptions"/>).</summary>
internal static class CommandLine
{
    public const string Usage =
        "usage: Serving [--serve | --load] [options]\n" +
        "  (no mode)         a self-checking demo: start the server on a loopback port, send good and bad requests, run a\n" +
        "                    2-second burst at 8 clients per backend, and exit (0 only if every check passed)\n" +
        "  --serve           serve POST /predict, GET /model and GET /health on 127.0.0.1 until Ctrl+C\n" +
        "  --load            the load test: for each backend, for each client count, warm up, then drive POST /predict\n" +
        "                    for --seconds and print throughput, p50/p99 latency, errors, mismatches and memory\n" +
        "model:\n" +
        "  --weights PATH    load the weights from PATH (written by SaveWeights, see --save-weights) instead of training\n" +
        "  --epochs N        epochs of Fit on the digits' training rows at start-up, without --weights (default: 20)\n" +
        "  --seed N          the initial weights' and the shuffling's seed when training (default: 1)\n" +
        "  --save-weights PATH  write the weights to PATH after start-up (for a later --weights)\n" +
        "server:\n" +
        "  --port N          the loopback port, 0 for any free one (default: 5080 with --serve, 0 otherwise)\n" +
        "  --backend NAME    modelgen or onnx (default: modelgen with --serve; both, one after the other, with --load)\n" +
        "load test:\n" +
        "  --seconds N       measured seconds per client count (default: 10)\n" +
        "  --warmup N        seconds of requests before each measurement, checked but not counted (default: 2)\n" +
        "  --clients LIST    client counts, comma-separated (default: 1,8,64)\n" +
        "  --batch N         images per request, 1 to 256 (default: 1)\n" +
        "  --max-requests N  at most N measured requests per client count (default: 2000000)";

    /// <summary>Parses the arguments; returns null for <c>--help</c>, and null with <paramref name="error"/> set when they are wrong.</summary>
    public static ServingOptions? Parse(string[] args, out string? error)
    {
        error = null;
        Mode mode = Mode.Demo;
        bool modeGiven = false;
        int? port = null;
        Backend? backend = null;
        string? weights = null, saveWeights = null;
        int epochs = 20, seed = 1, seconds = 10, warmup = 2, batch = 1, maxRequests = 2_000_000;
        int[] clients = [1, 8, 64];
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
            }

            if (name is "--serve" or "--load")
            {
                Mode next = name == "--serve" ? Mode.Serve : Mode.Load;
                if (modeGiven && next != mode)
                {
                    error = "--serve and --load exclude each other";
                    return null;
                }

                mode = next;
                modeGiven = true;
                continue;
            }

            if (name is not ("--port" or "--backend" or "--weights" or "--save-weights" or "--epochs" or "--seed" or "--seconds"
                or "--warmup" or "--clients" or "--batch" or "--max-requests"))
            {
                error = $"unknown option '{name}'";
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return null;
            }

            string value = args[++i];
            bool ok = true;
            switch (name)
            {
                case "--port":
                    ok = TryParseInt(value, 0, 65535, out int p);
                    port = p;
                    break;
                case "--backend":
                    backend = value switch
                    {
                        "modelgen" => Serving.Backend.ModelGen,
                        "onnx" => Serving.Backend.Onnx,
                        _ => null,
                    };
                    if (backend is null)
                    {
                        error = $"--backend is modelgen or onnx, not '{value}'";
                        return null;
                    }

                    break;
                case "--weights":
                    weights = value;
                    break;
                case "--save-weights":
                    saveWeights = value;
                    break;
                case "--epochs":
                    ok = TryParseInt(value, 1, 10_000, out epochs);
                    break;
                case "--seed":
                    ok = TryParseInt(value, 0, int.MaxValue, out seed);
                    break;
                case "--seconds":
                    ok = TryParseInt(value, 1, 3600, out seconds);
                    break;
                case "--warmup":
                    ok = TryParseInt(value, 0, 600, out warmup);
                    break;
                case "--batch":
                    ok = TryParseInt(value, 1, PredictEndpoint.MaxImages, out batch);
                    break;
                case "--max-requests":
                    ok = TryParseInt(value, 1, 100_000_000, out maxRequests);
                    break;
                case "--clients":
                    ok = TryParseList(value, out clients);
                    break;
            }

            if (!ok)
            {
                error = name switch
                {
                    "--port" => $"--port needs a port number from 0 to 65535, not '{value}'",
                    "--clients" => $"--clients needs client counts from 1 to 1024, comma-separated, not '{value}'",
                    "--batch" => $"--batch needs an integer from 1 to {PredictEndpoint.MaxImages}, not '{value}'",
                    "--seed" => $"--seed needs a non-negative integer, not '{value}'",
                    "--warmup" => $"--warmup needs a number of seconds from 0 to 600, not '{value}'",
                    "--seconds" => $"--seconds needs a number of seconds from 1 to 3600, not '{value}'",
                    _ => $"{name} needs a positive integer, not '{value}'",
                };
                return null;
            }
        }

        if (weights is not null && !File.Exists(weights))
        {
            error = $"--weights: no file '{weights}'";
            return null;
        }

        return new ServingOptions(mode, port, backend, weights, saveWeights, epochs, seed, seconds, warmup, clients, batch, maxRequests);
    }

    private static bool TryParseInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool TryParseList(string text, out int[] values)
    {
        var list = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseInt(part, 1, 1024, out int n))
            {
                values = Array.Empty<int>();
                return false;
            }

            list.Add(n);
        }

        values = list.ToArray();
        return values.Length > 0;
    }
}
