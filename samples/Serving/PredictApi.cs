using System;
using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Samples.Digits;

namespace Samples.Serving;

/// <summary>The body of <c>POST /predict</c>: <c>{"images": [[64 numbers], ...]}</c>, or one image as
/// <c>{"image": [64 numbers]}</c>.</summary>
internal sealed class PredictRequest
{
    public float[]?[]? Images { get; set; }

    public float[]? Image { get; set; }
}

/// <summary>One image's answer: the predicted digit (the most probable class, the first on a tie) and the 10 class
/// probabilities (the model's softmax output, digits 0..9).</summary>
internal sealed record Prediction(int Digit, float[] Probabilities);

/// <summary>The answer of <c>POST /predict</c>: one <see cref="Prediction"/> per image, in the request's order.</summary>
internal sealed record PredictResponse(Prediction[] Predictions);

/// <summary>An error, as RFC 9457 problem details (<c>application/problem+json</c>).</summary>
internal sealed record Problem(string Type, string Title, int Status, string Detail);

/// <summary>The answer of <c>GET /model</c>.</summary>
internal sealed record ModelInfo(
    string Model, string Backend, int InputSize, int[] InputShape, int OutputSize, int TrainableParameters, int NonTrainableParameters,
    int MaxImagesPerRequest, long MaxBodyBytes, string Summary);

/// <summary>System.Text.Json's source-generated serializers for the contracts above (no reflection: the app publishes
/// with NativeAOT). Property names are camelCase; an unknown or repeated property is an error, not ignored.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(PredictRequest))]
[JsonSerializable(typeof(PredictResponse))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(ModelInfo))]
internal sealed partial class ServingJson : JsonSerializerContext;

/// <summary><c>POST /predict</c>, <c>GET /model</c> and <c>GET /health</c> over one <see cref="IDigitsClassifier"/>.
/// Everything wrong with a request is a 400 with problem details naming what is wrong; the classifier is called
/// once per request, for all its images, with no lock.</summary>
internal sealed class PredictEndpoint(IDigitsClassifier classifier)
{
    /// <summary>The most images one request may hold.</summary>
    public const int MaxImages = 256;

    /// <summary>The largest request body Kestrel accepts (<c>KestrelServerLimits.MaxRequestBodySize</c>), 1 MiB.</summary>
    public const long MaxBodyBytes = 1 << 20;

    private const int Pixels = BatchNormReluCnn.InputSize;
    private const int Classes = BatchNormReluCnn.OutputSize;

    public async Task PredictAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        if (!request.HasJsonContentType())
        {
            await WriteProblemAsync(context, request.ContentType is null
                ? "the body must be JSON, with Content-Type: application/json (none was given)"
                : $"the body must be JSON, with Content-Type: application/json, not '{request.ContentType}'");
            return;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            await WriteProblemAsync(context, $"the body has {request.ContentLength} bytes, more than the limit of {MaxBodyBytes}");
            return;
        }

        PredictRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, ServingJson.Default.PredictRequest, context.RequestAborted);
        }
        catch (JsonException e)
        {
            await WriteProblemAsync(context, "the body is not valid JSON of the expected shape: " + e.Message);
            return;
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdicts while the body is read: over MaxRequestBodySize without a Content-Length (chunked),
            // a body shorter than its Content-Length, a malformed chunk. Kestrel would say 413 or 400; this API says 400.
            await WriteProblemAsync(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the body is longer than the limit of {MaxBodyBytes} bytes"
                : "the body could not be read: " + e.Message);
            return;
        }

        if (Validate(body, out float[]?[] images) is { } error)
        {
            await WriteProblemAsync(context, error);
            return;
        }

        int rows = images.Length;
        float[] x = ArrayPool<float>.Shared.Rent(rows * Pixels);
        float[] y = ArrayPool<float>.Shared.Rent(rows * Classes);
        PredictResponse response;
        try
        {
            for (int i = 0; i < rows; i++)
            {
                images[i].AsSpan().CopyTo(x.AsSpan(i * Pixels, Pixels));
            }

            classifier.Predict(x.AsSpan(0, rows * Pixels), y.AsSpan(0, rows * Classes));
            response = Respond(y.AsSpan(0, rows * Classes));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(x);
            ArrayPool<float>.Shared.Return(y);
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, "application/json", JsonSerializer.SerializeToUtf8Bytes(response, ServingJson.Default.PredictResponse));
    }

    /// <summary>The answer to probabilities <paramref name="y"/> <c>[rows, 10]</c>: the client side builds its expected
    /// responses with this too, so that a response can be compared byte for byte.</summary>
    public static PredictResponse Respond(ReadOnlySpan<float> y)
    {
        var predictions = new Prediction[y.Length / Classes];
        for (int i = 0; i < predictions.Length; i++)
        {
            float[] probabilities = y.Slice(i * Classes, Classes).ToArray();
            int digit = 0;
            for (int c = 1; c < Classes; c++)
            {
                if (probabilities[c] > probabilities[digit])
                {
                    digit = c;
                }
            }

            predictions[i] = new Prediction(digit, probabilities);
        }

        return new PredictResponse(predictions);
    }

    /// <summary>Null when <paramref name="body"/> is a request this endpoint answers; otherwise what is wrong with it.</summary>
    private static string? Validate(PredictRequest? body, out float[]?[] images)
    {
        images = Array.Empty<float[]?>();
        if (body is null)
        {
            return "the body must be a JSON object, {\"images\": [[64 numbers], ...]} or {\"image\": [64 numbers]}, not null";
        }

        if (body.Images is not null && body.Image is not null)
        {
            return "give either 'images' or 'image', not both";
        }

        if (body.Image is not null)
        {
            images = [body.Image];
        }
        else if (body.Images is not null)
        {
            images = body.Images;
        }
        else
        {
            return "the body needs 'images', a list of images ([[64 numbers], ...]), or 'image' (one image, [64 numbers])";
        }

        if (images.Length == 0)
        {
            return "images is empty: give at least one image";
        }

        if (images.Length > MaxImages)
        {
            return $"images has {images.Length} images, more than the limit of {MaxImages} per request";
        }

        for (int i = 0; i < images.Length; i++)
        {
            string name = body.Image is not null ? "image" : $"images[{i}]";
            if (images[i] is not { } image)
            {
                return $"{name} is null, not an image of {Pixels} numbers";
            }

            if (image.Length != Pixels)
            {
                return $"{name} has {image.Length} values, but an image is 8x8 = {Pixels} numbers (row-major, pixels scaled to [0, 1])";
            }

            // System.Text.Json already refuses NaN and infinities (as strings, and numbers that overflow a float);
            // this is the endpoint's own guarantee that the model sees finite inputs.
            for (int p = 0; p < Pixels; p++)
            {
                if (!float.IsFinite(image[p]))
                {
                    return $"{name}[{p}] is {image[p].ToString(CultureInfo.InvariantCulture)}: every pixel must be a finite number";
                }
            }
        }

        return null;
    }

    /// <summary>Answers 400 with problem details whose <c>detail</c> is <paramref name="detail"/>.</summary>
    public static Task WriteProblemAsync(HttpContext context, string detail)
    {
        var problem = new Problem("https://tools.ietf.org/html/rfc9110#section-15.5.1", "Bad Request", StatusCodes.Status400BadRequest, detail);
        return WriteJsonAsync(context, problem.Status, "application/problem+json", JsonSerializer.SerializeToUtf8Bytes(problem, ServingJson.Default.Problem));
    }

    private static Task WriteJsonAsync(HttpContext context, int status, string contentType, byte[] json)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = json.Length;
        return response.Body.WriteAsync(json, 0, json.Length, context.RequestAborted);
    }
}
