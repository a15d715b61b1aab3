using System.Text.Json;

namespace ModelGen.Keras;

/// <summary>Reading Keras's configuration values leniently: a key that is absent or of another JSON type reads as null, so
/// that each dialect's spelling can be tried in turn (<c>units ?? output_dim</c>).</summary>
internal static class KerasJson
{
    public static string? Text(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? Int(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : null;

    public static double? Double(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public static bool? Bool(JsonElement element, string key) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>One length as Keras writes a 1-D window (Conv1D's <c>kernel_size</c>, <c>strides</c>): a list of one, or a number.</summary>
    public static int? Single(JsonElement element, string key)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number))
        {
            return number;
        }

        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.Number && value[0].TryGetInt32(out int first)
            ? first
            : null;
    }

    /// <summary>A pair as Keras writes it: a list of two, or one number for both.</summary>
    public static (int, int)? Pair(JsonElement element, string key)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int both))
        {
            return (both, both);
        }

        return value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].ValueKind == JsonValueKind.Number && value[0].TryGetInt32(out int h) && value[1].ValueKind == JsonValueKind.Number && value[1].TryGetInt32(out int w)
            ? (h, w)
            : null;
    }
}
