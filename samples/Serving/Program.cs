using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Samples.Digits;
using Samples.Shared;

namespace Samples.Serving;

/// <summary>
/// samples/Digits' batch-normalized CNN behind an ASP.NET Core minimal API: <c>POST /predict</c> takes 8x8 images as
/// JSON and answers each image's 10 class probabilities and digit, from one model instance that every request shares
/// with no lock. Without options it is a self-checking demo that exits; <c>--serve</c> serves until Ctrl+C;
/// <c>--load</c> measures throughput, latency and memory under 1, 8 and 64 concurrent clients, with the generated
/// <c>Predict</c> and with ONNX Runtime on the model's <c>ExportOnnx</c> output behind the same endpoint.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (CommandLine.Parse(args, out string? error) is not { } options)
        {
            return SampleOptions.Refuse("Serving", error, CommandLine.Usage);
        }

        var total = Stopwatch.StartNew();
        Console.WriteLine(options.Mode switch
        {
            Mode.Serve => "Serving: the digits CNN behind POST /predict",
            Mode.Load => "Serving: load test of POST /predict",
            _ => "Serving: demo of POST /predict (the digits CNN); --serve to keep serving, --load for the load test, --help for the options",
        });
        DigitsData data = DigitsData.Load(trainFraction: 0.8);
        BatchNormReluCnn model;
        try
        {
            model = TrainedModel.Create(options, data);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // A weights file that is not this model's, or is damaged; a --save-weights path that cannot be written.
            Console.Error.WriteLine($"Serving: weights: {e.Message}");
            return 1;
        }

        int exitCode = options.Mode switch
        {
            Mode.Serve => await ServeAsync(model, options),
            Mode.Load => await LoadAsync(model, data, options),
            _ => await Demo.RunAsync(model, data, options),
        };
        Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        return exitCode;
    }

    private static async Task<int> ServeAsync(BatchNormReluCnn model, ServingOptions options)
    {
        using IDigitsClassifier classifier = Create(options.Backend ?? Backend.ModelGen, model);
        DigitsServer server;
        try
        {
            server = await DigitsServer.StartAsync(classifier, options.Port ?? 5080, lifetimeLog: true);
        }
        catch (IOException e)
        {
            // Kestrel's "Failed to bind to address ...: address already in use."
            Console.Error.WriteLine($"Serving: {e.Message}");
            return 1;
        }

        await using DigitsServer _ = server;
        Console.WriteLine($"listening on {server.Address} (backend {classifier.Name}): POST /predict, GET /model, GET /health; Ctrl+C to stop");
        Console.WriteLine($"  curl -s {server.Address}predict -H 'Content-Type: application/json' -d '{{\"image\": [0, 0, 0.3125, ... 64 values]}}'");
        await server.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<int> LoadAsync(BatchNormReluCnn model, DigitsData data, ServingOptions options)
    {
        Backend[] backends = options.Backend is { } only ? [only] : [Backend.ModelGen, Backend.Onnx];
        Payload[] payloads = Payload.Build(model, TrainedModel.AllImages(data), options.Batch);
        Console.WriteLine($"machine: {Report.Environment()}");
        Console.WriteLine(
            $"requests: {options.Batch} image(s) each, {payloads.Length} distinct bodies over the {data.TrainRows + data.ValRows} digit images; " +
            $"{options.WarmupSeconds} s warm-up (checked, not counted), then {options.Seconds} s or {options.MaxRequests} requests per client count");
        Console.WriteLine("every response is checked against Predict on the same images alone: bit for bit for modelgen, within 1e-5 for onnx");
        Console.WriteLine();
        var results = new List<LoadResult>();
        foreach (Backend backend in backends)
        {
            using IDigitsClassifier classifier = Create(backend, model);
            await using DigitsServer server = await DigitsServer.StartAsync(classifier, options.Port ?? 0);
            foreach (int clients in options.Clients)
            {
                LoadResult result = await LoadGenerator.RunAsync(
                    server.Address, classifier.Name, payloads, new ResponseChecker(exact: backend == Backend.ModelGen), clients, options.Batch,
                    TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.Seconds), options.MaxRequests);
                results.Add(result);
                Console.WriteLine(Report.Line(result));
                Console.WriteLine(Report.Memory(result));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Report.Table(results));
        bool clean = results.TrueForAll(r => r.Errors == 0 && r.Mismatches == 0);
        Console.WriteLine(clean ? "no errors, no mismatches" : "ERRORS OR MISMATCHES: see above");
        return clean ? 0 : 1;
    }

    private static IDigitsClassifier Create(Backend backend, BatchNormReluCnn model) =>
        backend == Backend.Onnx ? new OnnxBackend(model) : new ModelGenBackend(model);
}
