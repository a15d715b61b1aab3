using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Samples.Digits;
using Samples.Shared;

namespace Samples.Serving;

/// <summary>What the program does without a mode: starts the server on a free loopback port, sends good requests (each
/// must be a 200 whose probabilities are <c>Predict</c>'s, bit for bit) and bad ones (each must be a 400 with problem
/// details), runs a short burst per backend with the load test's checks, and fails if any check fails.</summary>
internal sealed class Demo(BatchNormReluCnn model, DigitsData data, HttpClient http)
{
    private const int Pixels = BatchNormReluCnn.InputSize;
    private readonly List<string> _failures = new();
    private int _checks;

    public static async Task<int> RunAsync(BatchNormReluCnn model, DigitsData data, ServingOptions options)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var demo = new Demo(model, data, http);
        using (var classifier = new ModelGenBackend(model))
        {
            await using DigitsServer server = await DigitsServer.StartAsync(classifier, options.Port ?? 0);
            http.BaseAddress = server.Address;
            Console.WriteLine($"server: backend modelgen, listening on {server.Address}");
            Console.WriteLine();
            await demo.GoodRequestsAsync();
            Console.WriteLine();
            await demo.BadRequestsAsync();
            Console.WriteLine();
        }

        // The same burst through both backends, each its own server on its own port.
        float[] images = TrainedModel.AllImages(data);
        Payload[] payloads = Payload.Build(model, images, batch: 1);
        Console.WriteLine("load burst: 8 clients, 1 image per request, 1 s warm-up then 2 s; every response checked against Predict alone");
        Console.WriteLine("(for correctness: the figures are rough, the JIT is still tiering up the first one; --load measures)");
        foreach (Backend backend in new[] { Backend.ModelGen, Backend.Onnx })
        {
            using IDigitsClassifier classifier = backend == Backend.ModelGen ? new ModelGenBackend(model) : new OnnxBackend(model);
            await using DigitsServer server = await DigitsServer.StartAsync(classifier, 0);
            LoadResult result = await LoadGenerator.RunAsync(
                server.Address, classifier.Name, payloads, new ResponseChecker(exact: backend == Backend.ModelGen), clients: 8, batch: 1,
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), maxRequests: 1_000_000);
            Console.WriteLine("  " + Report.Line(result));
            demo.Expect(result.Errors == 0 && result.Mismatches == 0 && result.Requests > 0,
                $"burst {classifier.Name}: {result.Requests} requests, {result.Errors} errors, {result.Mismatches} mismatches; first: {result.FirstProblem}");
        }

        Console.WriteLine();
        if (demo._failures.Count == 0)
        {
            Console.WriteLine($"demo: all {demo._checks} checks passed");
            return 0;
        }

        Console.WriteLine($"demo: {demo._failures.Count} of {demo._checks} checks FAILED:");
        foreach (string failure in demo._failures)
        {
            Console.WriteLine("  " + failure);
        }

        return 1;
    }

    private async Task GoodRequestsAsync()
    {
        Console.WriteLine("good requests (each must be 200 with Predict's probabilities, bit for bit):");
        float[] x = data.ValX;
        await PredictAsync("one image as {\"image\": [...]}", Json(new PredictRequest { Image = x[..Pixels] }), x[..Pixels]);
        await PredictAsync("5 images as {\"images\": [[...], ...]}", Json(new PredictRequest { Images = Rows(x, 0, 5) }), x[..(5 * Pixels)]);

        // Every validation image, in requests of the largest size allowed.
        int correct = 0, total = 0;
        for (int start = 0; start < data.ValRows; start += PredictEndpoint.MaxImages)
        {
            int count = Math.Min(PredictEndpoint.MaxImages, data.ValRows - start);
            PredictResponse? response = await PredictAsync(
                $"validation images {start}..{start + count - 1}", Json(new PredictRequest { Images = Rows(x, start, count) }),
                x[(start * Pixels)..((start + count) * Pixels)], quiet: true);
            for (int i = 0; i < count && response is not null; i++)
            {
                correct += response.Predictions[i].Digit == (int)data.ValY[start + i] ? 1 : 0;
                total++;
            }
        }

        Console.WriteLine($"  the {data.ValRows} validation images through the endpoint: {correct} of {total} digits right ({(double)correct / Math.Max(1, total):0.000})");

        using HttpResponseMessage model = await http.GetAsync("model");
        string info = await model.Content.ReadAsStringAsync();
        ModelInfo? parsed = model.IsSuccessStatusCode ? JsonSerializer.Deserialize(info, ServingJson.Default.ModelInfo) : null;
        bool modelOk = parsed is { InputSize: Pixels, OutputSize: BatchNormReluCnn.OutputSize } && parsed.Summary == BatchNormReluCnn.Summary;
        Console.WriteLine($"  GET /model     {(int)model.StatusCode}  input {parsed?.InputSize} ({string.Join('x', parsed?.InputShape ?? [])}), output {parsed?.OutputSize}, " +
            $"{parsed?.TrainableParameters} trainable parameters, backend {parsed?.Backend}  {(modelOk ? "ok" : "FAILED")}");
        Expect(modelOk, $"GET /model: {(int)model.StatusCode} {LoadGenerator.Truncate(info, 200)}");

        using HttpResponseMessage health = await http.GetAsync("health");
        string healthText = await health.Content.ReadAsStringAsync();
        bool healthOk = health.StatusCode == HttpStatusCode.OK && healthText == "ok";
        Console.WriteLine($"  GET /health    {(int)health.StatusCode}  {healthText}  {(healthOk ? "ok" : "FAILED")}");
        Expect(healthOk, $"GET /health: {(int)health.StatusCode} {healthText}");
    }

    private async Task BadRequestsAsync()
    {
        Console.WriteLine("bad requests (each must be 400 with problem details):");
        float[] image = data.ValX[..Pixels];
        string pixels = string.Join(',', image.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        string Replace(int index, string value) =>
            "{\"image\":[" + string.Join(',', image.Select((v, i) => i == index ? value : v.ToString("R", CultureInfo.InvariantCulture))) + "]}";

        await BadAsync("63 values", "{\"images\":[[" + string.Join(',', image[..63].Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]]}");
        await BadAsync("65 values", "{\"image\":[" + pixels + ",0]}");
        await BadAsync("a string among the pixels", Replace(5, "\"0.5\""));
        await BadAsync("NaN as a string", Replace(5, "\"NaN\""));
        await BadAsync("NaN as a bare token", Replace(5, "NaN"));
        await BadAsync("Infinity as a string", Replace(5, "\"Infinity\""));
        await BadAsync("1e39 (overflows a float)", Replace(5, "1e39"));
        await BadAsync("true among the pixels", Replace(5, "true"));
        await BadAsync($"{PredictEndpoint.MaxImages + 1} images", Json(new PredictRequest { Images = Enumerable.Repeat(image, PredictEndpoint.MaxImages + 1).ToArray() }));
        await BadAsync("an empty list", "{\"images\":[]}");
        await BadAsync("a null image", "{\"images\":[null]}");
        await BadAsync("both image and images", "{\"image\":[" + pixels + "],\"images\":[[" + pixels + "]]}");
        await BadAsync("neither image nor images", "{}");
        await BadAsync("an unknown property", "{\"imgs\":[[" + pixels + "]]}");
        await BadAsync("a repeated property", "{\"image\":[" + pixels + "],\"image\":[" + pixels + "]}");
        await BadAsync("malformed JSON (cut short)", "{\"images\":[[" + pixels[..40]);
        await BadAsync("malformed JSON (trailing comma)", "{\"image\":[" + pixels + ",]}");
        await BadAsync("JSON null", "null");
        await BadAsync("a JSON array, not an object", "[[" + pixels + "]]");
        await BadAsync("an empty body", string.Empty);
        await BadAsync("Content-Type text/plain", "{\"image\":[" + pixels + "]}", contentType: "text/plain");
        await BadAsync("no Content-Type", "{\"image\":[" + pixels + "]}", contentType: null);
        string large = "{\"image\":[" + pixels + "]" + new string(' ', (int)PredictEndpoint.MaxBodyBytes) + "}";
        await BadAsync("a body over 1 MiB (Content-Length)", large);
        await BadAsync("a body over 1 MiB (chunked, no length)", large, chunked: true);
    }

    /// <summary>Sends a good request; expects 200 and <c>Predict</c>'s probabilities for <paramref name="x"/>, bit for bit.</summary>
    private async Task<PredictResponse?> PredictAsync(string what, string body, float[] x, bool quiet = false)
    {
        var expected = new float[x.Length / Pixels * BatchNormReluCnn.OutputSize];
        model.Predict(x, expected);
        using HttpResponseMessage response = await PostAsync(body, "application/json", chunked: false);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        string? problem = response.StatusCode != HttpStatusCode.OK
            ? $"HTTP {(int)response.StatusCode}: {LoadGenerator.Truncate(Encoding.UTF8.GetString(bytes), 200)}"
            : new ResponseChecker(exact: true).Check(new Payload([], expected, JsonSerializer.SerializeToUtf8Bytes(PredictEndpoint.Respond(expected), ServingJson.Default.PredictResponse)), bytes);
        Expect(problem is null, $"{what}: {problem}");
        PredictResponse? parsed = problem is null ? JsonSerializer.Deserialize(bytes, ServingJson.Default.PredictResponse) : null;
        if (!quiet || problem is not null)
        {
            string digits = parsed is null ? string.Empty : "digits " + string.Join(' ', parsed.Predictions.Select(p => p.Digit));
            Console.WriteLine($"  POST /predict  {(int)response.StatusCode}  {what}: {digits}  {(problem is null ? "ok, equal to Predict" : "FAILED: " + problem)}");
        }

        return parsed;
    }

    /// <summary>Sends a bad request; expects 400 with an <c>application/problem+json</c> body.</summary>
    private async Task BadAsync(string what, string body, string? contentType = "application/json", bool chunked = false)
    {
        string outcome;
        bool ok;
        try
        {
            using HttpResponseMessage response = await PostAsync(body, contentType, chunked);
            string text = await response.Content.ReadAsStringAsync();
            Problem? problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonSerializer.Deserialize(text, ServingJson.Default.Problem)
                : null;
            ok = response.StatusCode == HttpStatusCode.BadRequest && problem is { Status: 400 };
            outcome = $"{(int)response.StatusCode}  {what}: {LoadGenerator.Truncate(problem?.Detail ?? text, 150)}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            ok = false;
            outcome = $"---  {what}: {e.GetType().Name}: {e.Message}";
        }

        Console.WriteLine($"  POST /predict  {outcome}  {(ok ? "ok" : "FAILED")}");
        Expect(ok, outcome);
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? contentType, bool chunked)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        if (chunked || bytes.Length > PredictEndpoint.MaxBodyBytes)
        {
            return await RawPostAsync(bytes, contentType, chunked);
        }

        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        return await http.PostAsync("predict", content);
    }

    /// <summary>POSTs <paramref name="body"/> over a socket of its own, with a Content-Length or, if
    /// <paramref name="chunked"/>, chunked. For the bodies over the limit: the server answers and closes the connection
    /// before the body is all sent (reading it all is what the limit prevents), and HttpClient then often throws on the
    /// failed write instead of returning the answer. Here the body is written while the answer is read.</summary>
    private async Task<HttpResponseMessage> RawPostAsync(byte[] body, string? contentType, bool chunked)
    {
        Uri address = http.BaseAddress!;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, address.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        string head = $"POST /predict HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n" +
            (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n") +
            (contentType is null ? string.Empty : $"Content-Type: {contentType}\r\n") + "\r\n";
        Task writing = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                if (!chunked)
                {
                    await stream.WriteAsync(body);
                    return;
                }

                const int chunk = 16384;
                for (int start = 0; start < body.Length; start += chunk)
                {
                    int length = Math.Min(chunk, body.Length - start);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
                    await stream.WriteAsync(body.AsMemory(start, length));
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }

                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
            catch (IOException)
            {
                // The server closed the connection before the whole body was sent: its answer is what counts.
            }
        });

        // The answer: the status line, the headers, then Content-Length bytes (Kestrel gives one, as this server does).
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int headEnd = -1, contentLength = -1;
        while (headEnd < 0 || received.Length < headEnd + contentLength)
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            if (headEnd < 0 && received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\r\n\r\n"u8) is int end and >= 0)
            {
                headEnd = end + 4;
                string headers = Encoding.ASCII.GetString(received.GetBuffer(), 0, end);
                string? length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                contentLength = length is null ? 0 : int.Parse(length["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        await writing;
        if (headEnd < 0 || received.Length < headEnd + contentLength)
        {
            throw new HttpRequestException($"the server closed the connection after {received.Length} bytes of its answer");
        }

        string[] lines = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd - 4).Split("\r\n");
        var response = new HttpResponseMessage((HttpStatusCode)int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture))
        {
            Content = new ByteArrayContent(received.GetBuffer(), headEnd, contentLength),
        };
        if (lines.FirstOrDefault(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)) is { } type)
        {
            response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type["Content-Type:".Length..].Trim());
        }

        return response;
    }

    private void Expect(bool condition, string failure)
    {
        _checks++;
        if (!condition)
        {
            _failures.Add(failure);
        }
    }

    private static string Json(PredictRequest request) => JsonSerializer.Serialize(request, ServingJson.Default.PredictRequest);

    private static float[]?[] Rows(float[] x, int start, int count) =>
        Enumerable.Range(start, count).Select(r => x[(r * Pixels)..((r + 1) * Pixels)]).ToArray();
}
