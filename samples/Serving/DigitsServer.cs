using System;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Samples.Digits;

namespace Samples.Serving;

/// <summary>One Kestrel instance on 127.0.0.1 serving one classifier: <c>POST /predict</c>, <c>GET /model</c>,
/// <c>GET /health</c>. The demo and the load test start one per backend in the same process.</summary>
internal sealed class DigitsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DigitsServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's base address, <c>http://127.0.0.1:PORT/</c> (the port Kestrel bound when asked for 0).</summary>
    public Uri Address { get; }

    /// <summary>Starts a server on loopback port <paramref name="port"/> (0: any free one) and returns once it listens.</summary>
    /// <param name="classifier">The backend every request shares.</param>
    /// <param name="port">The port.</param>
    /// <param name="lifetimeLog">Whether the host logs its start and stop (address, Ctrl+C); warnings and errors are
    /// logged either way, and each request never (ASP.NET Core logs every request at Information).</param>
    public static async Task<DigitsServer> StartAsync(IDigitsClassifier classifier, int port, bool lifetimeLog = false)
    {
        // The slim builder: Kestrel, routing, configuration and console logging, nothing that needs reflection.
        // No arguments are passed on: this program's options are not configuration keys.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (lifetimeLog)
        {
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = PredictEndpoint.MaxBodyBytes;
            // Loopback only, whatever ASPNETCORE_URLS or --urls say: an explicit endpoint replaces them.
            kestrel.Listen(IPAddress.Loopback, port);
        });

        WebApplication app = builder.Build();
        var endpoint = new PredictEndpoint(classifier);
        byte[] modelInfo = JsonSerializer.SerializeToUtf8Bytes(
            new ModelInfo(
                "Samples.Digits.BatchNormReluCnn", classifier.Name, BatchNormReluCnn.InputSize, [8, 8, 1], BatchNormReluCnn.OutputSize,
                BatchNormReluCnn.TrainableParameterCount, BatchNormReluCnn.NonTrainableParameterCount,
                PredictEndpoint.MaxImages, PredictEndpoint.MaxBodyBytes, BatchNormReluCnn.Summary),
            ServingJson.Default.ModelInfo);

        // Request delegates (HttpContext in, Task out): no parameter binding to generate or reflect over.
        app.MapPost("/predict", endpoint.PredictAsync);
        app.MapGet("/model", context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = modelInfo.Length;
            return context.Response.Body.WriteAsync(modelInfo, 0, modelInfo.Length, context.RequestAborted);
        });
        app.MapGet("/health", context =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        });

        await app.StartAsync();
        // With port 0 Kestrel picks the port; Urls then holds the bound address, http://127.0.0.1:PORT.
        var address = new Uri(app.Urls.First() + "/");
        return new DigitsServer(app, address);
    }

    /// <summary>Serves until Ctrl+C (or SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
