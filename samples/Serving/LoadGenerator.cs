using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Samples.Digits;

namespace Samples.Serving;

/// <summary>One request the load test sends: a body of real digit images and what the answer must be, from the model's
/// own <c>Predict</c> on the same images, computed alone (one thread, before any server runs).</summary>
/// <param name="Body">The JSON request, <c>{"images": [...]}</c>.</param>
/// <param name="Expected">The probabilities <c>Predict</c> gives for those images, <c>[images, 10]</c>.</param>
/// <param name="ExpectedResponse">The response the server gives for exactly those probabilities, byte for byte.</param>
internal sealed record Payload(byte[] Body, float[] Expected, byte[] ExpectedResponse)
{
    /// <summary>Requests of <paramref name="batch"/> consecutive images each, over <paramref name="images"/> (<c>[n, 64]</c>).</summary>
    public static Payload[] Build(BatchNormReluCnn model, float[] images, int batch)
    {
        int count = Math.Max(1, images.Length / BatchNormReluCnn.InputSize / batch);
        var payloads = new Payload[count];
        for (int r = 0; r < count; r++)
        {
            float[] x = images.AsSpan(r * batch * BatchNormReluCnn.InputSize, batch * BatchNormReluCnn.InputSize).ToArray();
            var y = new float[batch * BatchNormReluCnn.OutputSize];
            model.Predict(x, y);
            var request = new PredictRequest { Images = x.Chunk(BatchNormReluCnn.InputSize).ToArray() };
            payloads[r] = new Payload(
                JsonSerializer.SerializeToUtf8Bytes(request, ServingJson.Default.PredictRequest),
                y,
                JsonSerializer.SerializeToUtf8Bytes(PredictEndpoint.Respond(y), ServingJson.Default.PredictResponse));
        }

        return payloads;
    }
}

/// <summary>Whether a response is the right answer: for the ModelGen backend the same bytes as
/// <see cref="Payload.ExpectedResponse"/> (the same float bits, since floats are written shortest-round-trip); for ONNX
/// Runtime, another implementation of the same graph, every probability within 1e-5 (relative above 1, as the ONNX
/// tests have it) and the same digits.</summary>
internal sealed class ResponseChecker(bool exact)
{
    public const float Tolerance = 1e-5f;

    /// <summary>Null when <paramref name="response"/> answers <paramref name="payload"/>; otherwise how it differs.</summary>
    public string? Check(Payload payload, byte[] response)
    {
        if (response.AsSpan().SequenceEqual(payload.ExpectedResponse))
        {
            return null;
        }

        PredictResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(response, ServingJson.Default.PredictResponse);
        }
        catch (JsonException e)
        {
            return "the response is not a prediction: " + e.Message;
        }

        int images = payload.Expected.Length / BatchNormReluCnn.OutputSize;
        if (parsed?.Predictions is not { } predictions || predictions.Length != images)
        {
            return $"the response has {parsed?.Predictions?.Length ?? 0} predictions, not {images}";
        }

        PredictResponse expected = PredictEndpoint.Respond(payload.Expected);
        for (int i = 0; i < images; i++)
        {
            float[] got = predictions[i].Probabilities ?? [];
            float[] want = expected.Predictions[i].Probabilities;
            if (got.Length != want.Length)
            {
                return $"image {i}: {got.Length} probabilities, not {want.Length}";
            }

            for (int c = 0; c < want.Length; c++)
            {
                bool same = exact
                    ? BitConverter.SingleToInt32Bits(got[c]) == BitConverter.SingleToInt32Bits(want[c])
                    : Math.Abs(got[c] - want[c]) <= Tolerance * Math.Max(1f, Math.Abs(want[c]));
                if (!same)
                {
                    return $"image {i}, digit {c}: probability {got[c].ToString("R", CultureInfo.InvariantCulture)}, " +
                        $"Predict alone gives {want[c].ToString("R", CultureInfo.InvariantCulture)}";
                }
            }

            if (predictions[i].Digit != expected.Predictions[i].Digit)
            {
                return $"image {i}: digit {predictions[i].Digit}, Predict alone gives {expected.Predictions[i].Digit}";
            }
        }

        // Equal values written differently would be a serializer difference, not a wrong answer.
        return exact ? "the same values as Predict's, but not the same bytes" : null;
    }
}

/// <summary>One load run's outcome. Errors and mismatches count every request, warm-up included; the rest only the
/// measured ones.</summary>
internal sealed record LoadResult(
    string Backend, int Clients, int Batch, int Requests, double Seconds, double P50Milliseconds, double P99Milliseconds,
    long Errors, long Mismatches, string? FirstProblem, bool HitRequestLimit, MemoryStats Memory,
    int Gen0Collections, int Gen1Collections, int Gen2Collections, double AllocatedBytesPerRequest)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>Drives <c>POST /predict</c> on loopback with a number of concurrent clients, each an <see cref="HttpClient"/>
/// over its own <see cref="SocketsHttpHandler"/> and one keep-alive connection, each sending its next request as soon as
/// the last one's response is read (a closed loop). Bounded in time and in requests.</summary>
internal static class LoadGenerator
{
    private const int Warmup = 0, Measuring = 1, Stopping = 2;

    public static async Task<LoadResult> RunAsync(
        Uri address, string backend, Payload[] payloads, ResponseChecker checker, int clients, int batch,
        TimeSpan warmup, TimeSpan duration, int maxRequests)
    {
        // Latencies in microseconds, allocated before the warm-up so that the measured heap does not grow with them.
        var latencies = new int[maxRequests];
        int recorded = 0, phase = Warmup;
        long errors = 0, mismatches = 0;
        string? firstProblem = null;
        var limitReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HttpClient[] http = Enumerable.Range(0, clients).Select(_ => new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        }).ToArray();

        void Count(ref long counter, string what)
        {
            Interlocked.Increment(ref counter);
            Interlocked.CompareExchange(ref firstProblem, what, null);
        }

        async Task Client(int id)
        {
            // Clients start at different requests and walk through all of them.
            int next = (int)((long)id * payloads.Length / clients);
            while (Volatile.Read(ref phase) != Stopping)
            {
                Payload payload = payloads[next];
                next = next + 1 == payloads.Length ? 0 : next + 1;
                int startPhase = Volatile.Read(ref phase);
                long start = Stopwatch.GetTimestamp();
                byte[] response;
                HttpStatusCode status;
                try
                {
                    using var content = new ByteArrayContent(payload.Body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using HttpResponseMessage message = await http[id].PostAsync("predict", content);
                    status = message.StatusCode;
                    response = await message.Content.ReadAsByteArrayAsync();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    Count(ref errors, $"{e.GetType().Name}: {e.Message}");
                    continue;
                }

                long end = Stopwatch.GetTimestamp();
                if (status != HttpStatusCode.OK)
                {
                    Count(ref errors, $"HTTP {(int)status}: {Truncate(Encoding.UTF8.GetString(response), 200)}");
                }
                else if (checker.Check(payload, response) is { } mismatch)
                {
                    Count(ref mismatches, mismatch);
                }

                if (startPhase == Measuring && Volatile.Read(ref phase) == Measuring)
                {
                    int slot = Interlocked.Increment(ref recorded) - 1;
                    if (slot < maxRequests)
                    {
                        latencies[slot] = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(start, end).Ticks / 10);
                        if (slot == maxRequests - 1)
                        {
                            limitReached.TrySetResult();
                        }
                    }
                }
            }
        }

        Task[] running = Enumerable.Range(0, clients).Select(id => Task.Run(() => Client(id))).ToArray();
        await Task.Delay(warmup);

        using var memory = new MemorySampler();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes();
        long measureStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref phase, Measuring);
        await Task.WhenAny(Task.Delay(duration), limitReached.Task);
        Volatile.Write(ref phase, Stopping);
        TimeSpan measured = Stopwatch.GetElapsedTime(measureStart);
        allocated = GC.GetTotalAllocatedBytes() - allocated;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;
        MemoryStats memoryStats = memory.Stop();
        await Task.WhenAll(running);
        foreach (HttpClient client in http)
        {
            client.Dispose();
        }

        int requests = Math.Min(Volatile.Read(ref recorded), maxRequests);
        Span<int> sorted = latencies.AsSpan(0, requests);
        sorted.Sort();
        return new LoadResult(
            backend, clients, batch, requests, measured.TotalSeconds,
            Percentile(sorted, 0.50), Percentile(sorted, 0.99),
            Interlocked.Read(ref errors), Interlocked.Read(ref mismatches), firstProblem, requests >= maxRequests, memoryStats,
            gen0, gen1, gen2, requests == 0 ? 0 : (double)allocated / requests);
    }

    /// <summary>The nearest-rank percentile of sorted microseconds, in milliseconds (NaN without samples).</summary>
    private static double Percentile(ReadOnlySpan<int> sorted, double fraction) =>
        sorted.IsEmpty ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)] / 1000.0;

    public static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "...";
}
