using System;
using System.Linq;
using System.Text.Json;
using static ModelGen.Keras.KerasJson;

namespace ModelGen.Keras;

/// <summary>
/// The output shape and weight shapes of each Keras layer that imports, from its configuration and its input shape (no
/// batch dimension): what the generated class's <see cref="IModel.Layers"/> will list, known before the class is compiled,
/// so that <c>modelgen import</c> can check a file's weights against the architecture and write the <c>.weights</c> file.
/// The Keras class given is the one the DSL line computes (ReLU, LeakyReLU, ELU and Softmax layers become Activation).
/// </summary>
internal static class LayerShapes
{
    /// <summary>From an input shape, the layer's output shape, Keras class and weights.</summary>
    public delegate (int[] Output, string KerasClass, WeightInfo[] Weights) Shaper(int[] input);

    /// <summary>The shaper of a layer the translator accepted (its configuration is known to be complete).</summary>
    public static Shaper For(string className, JsonElement config)
    {
        switch (className)
        {
            case "Dense":
            {
                int units = Int(config, "units") ?? Int(config, "output_dim") ?? 0;
                bool bias = (Bool(config, "use_bias") ?? Bool(config, "bias")) != false;
                return input => ([.. input[..^1], units], "Dense", bias
                    ? [new WeightInfo("kernel", true, input[^1], units), new WeightInfo("bias", true, units)]
                    : [new WeightInfo("kernel", true, input[^1], units)]);
            }

            case "BatchNormalization":
            {
                bool scale = Bool(config, "scale") != false;
                bool center = Bool(config, "center") != false;
                return input =>
                {
                    int features = input[^1];
                    WeightInfo[] weights =
                    [
                        .. scale ? [new WeightInfo("gamma", true, features)] : Array.Empty<WeightInfo>(),
                        .. center ? [new WeightInfo("beta", true, features)] : Array.Empty<WeightInfo>(),
                        new WeightInfo("moving_mean", false, features),
                        new WeightInfo("moving_variance", false, features),
                    ];
                    return (input, "BatchNormalization", weights);
                };
            }

            case "Flatten":
                return input => ([input.Aggregate(1, (a, b) => a * b)], "Flatten", []);

            case "Conv2D" or "Convolution2D":
            {
                int filters = Int(config, "filters") ?? Int(config, "nb_filter") ?? 0;
                (int kh, int kw) = Pair(config, "kernel_size") ?? (Int(config, "nb_row") ?? 0, Int(config, "nb_col") ?? 0);
                (int sh, int sw) = Pair(config, "strides") ?? Pair(config, "subsample") ?? (1, 1);
                bool same = Padding(config) == "same";
                bool bias = (Bool(config, "use_bias") ?? Bool(config, "bias")) != false;
                return input =>
                {
                    int[] output = [Window(input[0], kh, sh, same), Window(input[1], kw, sw, same), filters];
                    WeightInfo kernel = new("kernel", true, kh, kw, input[2], filters);
                    return (output, "Conv2D", bias ? [kernel, new WeightInfo("bias", true, filters)] : [kernel]);
                };
            }

            case "Conv1D" or "Convolution1D":
            {
                int filters = Int(config, "filters") ?? Int(config, "nb_filter") ?? 0;
                int k = Single(config, "kernel_size") ?? Int(config, "filter_length") ?? 0;
                int s = Single(config, "strides") ?? Int(config, "subsample_length") ?? 1;
                bool same = Padding(config) == "same";
                bool bias = (Bool(config, "use_bias") ?? Bool(config, "bias")) != false;
                return input =>
                {
                    int[] output = [Window(input[0], k, s, same), filters];
                    WeightInfo kernel = new("kernel", true, k, input[1], filters);
                    return (output, "Conv1D", bias ? [kernel, new WeightInfo("bias", true, filters)] : [kernel]);
                };
            }

            case "MaxPooling2D" or "MaxPool2D":
            {
                (int ph, int pw) = Pair(config, "pool_size") ?? (2, 2);
                (int sh, int sw) = Pair(config, "strides") ?? (ph, pw);
                bool same = Padding(config) == "same";
                return input => ([Window(input[0], ph, sh, same), Window(input[1], pw, sw, same), input[2]], "MaxPooling2D", []);
            }

            case "AveragePooling2D" or "AvgPool2D":
            {
                (int ph, int pw) = Pair(config, "pool_size") ?? (2, 2);
                (int sh, int sw) = Pair(config, "strides") ?? (ph, pw);
                bool same = Padding(config) == "same";
                return input => ([Window(input[0], ph, sh, same), Window(input[1], pw, sw, same), input[2]], "AveragePooling2D", []);
            }

            case "MaxPooling1D" or "MaxPool1D" or "AveragePooling1D" or "AvgPool1D":
            {
                int pool = Single(config, "pool_size") ?? Single(config, "pool_length") ?? 2;
                int stride = Single(config, "strides") ?? Single(config, "stride") ?? pool;
                bool same = Padding(config) == "same";
                string kerasClass = className.StartsWith("Max", StringComparison.Ordinal) ? "MaxPooling1D" : "AveragePooling1D";
                return input => ([Window(input[0], pool, stride, same), input[1]], kerasClass, []);
            }

            case "GlobalAveragePooling1D" or "GlobalAvgPool1D":
                return input => ([input[^1]], "GlobalAveragePooling1D", []);

            case "GlobalMaxPooling1D" or "GlobalMaxPool1D":
                return input => ([input[^1]], "GlobalMaxPooling1D", []);

            case "GlobalAveragePooling2D" or "GlobalAvgPool2D":
                return input => ([input[^1]], "GlobalAveragePooling2D", []);

            case "GlobalMaxPooling2D" or "GlobalMaxPool2D":
                return input => ([input[^1]], "GlobalMaxPooling2D", []);

            case "LSTM":
            {
                int units = Int(config, "units") ?? Int(config, "output_dim") ?? 0;
                bool sequences = Bool(config, "return_sequences") == true;
                return input => (sequences ? [input[0], units] : [units], "LSTM",
                    [new WeightInfo("kernel", true, input[^1], 4 * units), new WeightInfo("recurrent_kernel", true, units, 4 * units), new WeightInfo("bias", true, 4 * units)]);
            }

            case "GRU":
            {
                int units = Int(config, "units") ?? Int(config, "output_dim") ?? 0;
                bool sequences = Bool(config, "return_sequences") == true;
                bool resetAfter = Bool(config, "reset_after") == true;
                return input => (sequences ? [input[0], units] : [units], "GRU",
                    [new WeightInfo("kernel", true, input[^1], 3 * units), new WeightInfo("recurrent_kernel", true, units, 3 * units),
                     resetAfter ? new WeightInfo("bias", true, 2, 3 * units) : new WeightInfo("bias", true, 3 * units)]);
            }

            case "Dropout" or "SpatialDropout1D" or "SpatialDropout2D" or "GaussianDropout" or "AlphaDropout":
                return input => (input, "Dropout", []);

            default: // Activation, ReLU, LeakyReLU, ELU, Softmax: elementwise
                return input => (input, "Activation", []);
        }
    }

    /// <summary>A 1-D size: a number or a list of one.</summary>
    private static int? Single(JsonElement config, string key) =>
        Int(config, key) ?? (config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out JsonElement list) && list.ValueKind == JsonValueKind.Array
            && list.GetArrayLength() == 1 && list[0].ValueKind == JsonValueKind.Number && list[0].TryGetInt32(out int single) ? single : null);

    private static string Padding(JsonElement config) => (Text(config, "padding") ?? Text(config, "border_mode") ?? "valid").ToLowerInvariant();

    /// <summary>Outputs along one axis as TensorFlow (and the generator's WindowArithmetic) computes them: "same" gives
    /// <c>ceil(in / stride)</c>, "valid" drops windows that do not fit; 0 when none fits (refused by the caller).</summary>
    private static int Window(int input, int window, int stride, bool same) =>
        input <= 0 || window <= 0 || stride <= 0 ? 0
        : same ? (input + stride - 1) / stride
        : Math.Max((input - window) / stride + 1, 0);
}
