using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using static ModelGen.Keras.KerasJson;

namespace ModelGen.Keras;

/// <summary>A layer (or setting) of a Keras model that ModelGen cannot express exactly, and why.</summary>
/// <param name="Layer">The Keras layer's name (the model's for model-wide problems).</param>
/// <param name="ClassName">The Keras class (<c>Lambda</c>, <c>Conv2D</c>, …).</param>
/// <param name="Message">What is wrong and what is supported.</param>
public sealed record KerasProblem(string Layer, string ClassName, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"layer '{Layer}' ({ClassName}): {Message}";
}

/// <summary>A Keras model that cannot be imported: every problem found, one per layer or setting.</summary>
public sealed class KerasImportException(IReadOnlyList<KerasProblem> problems)
    : Exception("The Keras model cannot be imported:" + Environment.NewLine + string.Join(Environment.NewLine, problems))
{
    /// <summary>The problems, in layer order.</summary>
    public IReadOnlyList<KerasProblem> Problems { get; } = problems;
}

/// <summary>The result of translating a Keras model's architecture.</summary>
/// <param name="ModelFile">The <c>.model</c> file's text.</param>
/// <param name="Warnings">Settings dropped because they only affect training and ModelGen lacks them (also written as
/// comments in the file).</param>
/// <param name="Layers">The layers of the generated class as its <see cref="IModel.Layers"/> will list them (names, classes,
/// weight shapes): what the file's weights are matched against before the class exists.</param>
public sealed record KerasTranslation(string ModelFile, IReadOnlyList<string> Warnings, IReadOnlyList<LayerInfo> Layers);

/// <summary>
/// Translates a Keras model's architecture (<c>model.to_json()</c>, a <c>.keras</c> file's <c>config.json</c>, the
/// <c>model_config</c> of a legacy HDF5 file, or a TensorFlow.js Layers <c>model.json</c>'s <c>modelTopology</c>) and its
/// training configuration (Keras 3's <c>compile_config</c>, Keras 1/2's <c>training_config</c>: the <c>compile</c> line)
/// into a ModelGen <c>.model</c> file (SPEC §7), in Keras 1, 2 and 3's
/// dialects: Keras 1's <c>output_dim</c>/<c>init</c>/<c>Convolution2D</c>, Keras 2's <c>batch_input_shape</c> on the first
/// layer and BatchNormalization axes written as lists, Keras 3's <c>module</c>/<c>registered_name</c>, InputLayer
/// <c>batch_shape</c> and initializers as objects. Layers keep Keras's names. Anything the DSL cannot express exactly is
/// refused (<see cref="KerasImportException"/>, every problem at once); nothing partial is returned.
/// </summary>
/// <remarks>A Sequential model, or a functional model whose graph is one chain (each layer feeding the next); branches,
/// merges, shared layers and nested models are refused.</remarks>
public static class KerasConfig
{
    /// <summary>The most bytes of configuration JSON read (a real model's is a few hundred kilobytes).</summary>
    public const int MaxConfigBytes = 16 * 1024 * 1024;

    /// <summary>The deepest JSON nesting read (Keras's configs nest a few levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>Translates <paramref name="json"/> into a <c>.model</c> file for <paramref name="modelName"/>.</summary>
    /// <param name="json">The model's configuration JSON.</param>
    /// <param name="modelName"><c>[Namespace.]ClassName</c> of the generated class.</param>
    /// <param name="inputShape">Fills the dimensions the file leaves open (<c>28x28x1</c>); null to take the file's.</param>
    /// <param name="trainingConfig">A legacy HDF5 file's <c>training_config</c> attribute (kept apart from its
    /// <c>model_config</c>); null when the configuration carries its own or there is none.</param>
    /// <exception cref="KerasImportException">The model has layers or settings ModelGen cannot express exactly.</exception>
    /// <exception cref="ArgumentException">The JSON is not a Keras model configuration, or is larger or deeper than the bounds.</exception>
    public static KerasTranslation ToModelFile(string json, string modelName, string? inputShape = null, string? trainingConfig = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        if (Encoding.UTF8.GetByteCount(json) > MaxConfigBytes)
        {
            throw new ArgumentException($"The Keras configuration is larger than {MaxConfigBytes} bytes: not a model this tool reads.", nameof(json));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"The Keras configuration is not valid JSON (or nests deeper than {MaxDepth}): {exception.Message}", nameof(json), exception);
        }

        using (document)
        {
            using JsonDocument? training = trainingConfig is null ? null : ParseTraining(trainingConfig);
            return new Translator(modelName, inputShape).Translate(document.RootElement, training?.RootElement);
        }
    }

    private static JsonDocument? ParseTraining(string json)
    {
        try
        {
            return json.Length <= MaxConfigBytes ? JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth }) : null;
        }
        catch (JsonException)
        {
            return null; // the training configuration only gives the compile line: without it the model imports for inference
        }
    }

    private sealed class Translator(string modelName, string? inputShapeOverride)
    {
        private readonly List<KerasProblem> _problems = new();
        private readonly List<string> _warnings = new();
        private readonly List<string> _lines = new();

        /// <summary>Whether the configuration is Keras 3's (objects with a <c>module</c>): it decides what <c>hard_sigmoid</c> means.</summary>
        private bool _keras3;
        private readonly List<(string Name, LayerShapes.Shaper Shaper)> _shapes = new();
        private int[]? _inputShape;

        /// <summary>The rank (without the batch) of the tensor the next layer reads: BatchNormalization's axis is checked
        /// against it (Keras 2 writes the last axis of an image as [3], of a vector as [1]).</summary>
        private int _rank;

        public KerasTranslation Translate(JsonElement root, JsonElement? training)
        {
            // TensorFlow.js Layers' model.json: {"modelTopology": {"model_config": {...}, "training_config": {...}}, "weightsManifest": [...]}.
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("modelTopology", out JsonElement topology) && topology.ValueKind == JsonValueKind.Object)
            {
                training ??= topology.TryGetProperty("training_config", out JsonElement t) ? t
                    : root.TryGetProperty("trainingConfig", out JsonElement tfjsTraining) ? tfjsTraining : null;
                root = topology.TryGetProperty("model_config", out JsonElement inner) ? inner : topology;
            }

            if (root.ValueKind != JsonValueKind.Object || Text(root, "class_name") is not { } modelClass)
            {
                throw new ArgumentException("Not a Keras model configuration: no \"class_name\" at the top.", "json");
            }

            JsonElement config = root.TryGetProperty("config", out JsonElement c) ? c : default;
            _keras3 = root.TryGetProperty("module", out _) || (Text(root, "keras_version") ?? string.Empty).StartsWith('3');
            string modelLabel = config.ValueKind == JsonValueKind.Object ? Text(config, "name") ?? "model" : "model";
            bool functional = modelClass is "Functional" or "Model";
            if (!functional && modelClass != "Sequential")
            {
                throw new ArgumentException($"Not a Keras model configuration: the top-level class is '{modelClass}', not Sequential or Functional.", "json");
            }

            // Keras 1 writes the layers as the config itself; Keras 2 and 3 under config.layers.
            JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
                : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("layers", out JsonElement l) && l.ValueKind == JsonValueKind.Array ? l
                : throw new ArgumentException($"Not a Keras {modelClass} configuration: no layers.", "json");

            IEnumerable<JsonElement> ordered = functional ? FunctionalChain.Order(config, layers, modelLabel, modelClass, _problems) : layers.EnumerateArray();
            if (_problems.Count > 0)
            {
                throw new KerasImportException(_problems);
            }

            foreach (JsonElement layer in ordered)
            {
                Layer(layer);
            }

            if (inputShapeOverride is not null)
            {
                _inputShape = FillShape(_inputShape, inputShapeOverride, modelLabel);
            }

            if (_inputShape is null)
            {
                _problems.Add(new KerasProblem(modelLabel, "Sequential", "the file gives no input shape: pass --input-shape (e.g. 28x28x1)"));
            }
            else if (_inputShape.Any(d => d <= 0))
            {
                _problems.Add(new KerasProblem(modelLabel, "Sequential", $"the input shape {ShapeText(_inputShape)} leaves dimensions open: pass --input-shape to fill them"));
            }

            IReadOnlyList<LayerInfo> infos = _problems.Count == 0 ? LayerInfos(modelLabel) : Array.Empty<LayerInfo>();
            if (_problems.Count > 0)
            {
                throw new KerasImportException(_problems);
            }

            // Keras 3 writes compile_config beside the model's config; a legacy HDF5 file's training_config is the same
            // information in Keras 1/2's words.
            string? compile = root.TryGetProperty("compile_config", out JsonElement compileConfig) && compileConfig.ValueKind == JsonValueKind.Object ? Compile(compileConfig)
                : root.TryGetProperty("training_config", out JsonElement trainingConfig) && trainingConfig.ValueKind == JsonValueKind.Object ? Compile(trainingConfig)
                : training is { ValueKind: JsonValueKind.Object } tfjs ? Compile(tfjs)
                : null;

            var text = new StringBuilder();
            text.Append("# Imported from a Keras ").Append(functional ? "functional model (a single chain)" : "Sequential model").Append(" ('").Append(modelLabel).Append("') by ModelGen.Keras.\n");
            foreach (string warning in _warnings)
            {
                text.Append("# dropped: ").Append(warning).Append('\n');
            }

            text.Append("model ").Append(modelName).Append('\n');
            text.Append("input ").Append(ShapeText(_inputShape!)).Append('\n');
            foreach (string line in _lines)
            {
                text.Append(line).Append('\n');
            }

            if (compile is not null)
            {
                text.Append(compile).Append('\n');
            }

            return new KerasTranslation(text.ToString(), _warnings, infos);
        }

        private void Layer(JsonElement layer)
        {
            string className = Text(layer, "class_name") ?? "?";
            JsonElement config = layer.TryGetProperty("config", out JsonElement c) ? c : default;
            string name = config.ValueKind == JsonValueKind.Object ? Text(config, "name") ?? Snake(className) : Snake(className);
            void Refuse(string message) => _problems.Add(new KerasProblem(name, className, message));

            if (config.ValueKind != JsonValueKind.Object)
            {
                Refuse("the layer has no config");
                return;
            }

            // The input shape: an InputLayer (Keras 3 batch_shape, Keras 2 batch_input_shape), or the first layer's.
            if (className == "InputLayer")
            {
                _inputShape ??= BatchShape(config, "batch_shape") ?? BatchShape(config, "batch_input_shape") ?? Shape(config, "shape");
                _rank = _inputShape?.Length ?? 0;
                return;
            }

            _inputShape ??= BatchShape(config, "batch_input_shape") ?? Shape(config, "input_shape") ?? InputDim(config);
            if (_rank == 0 && _inputShape is not null)
            {
                _rank = _inputShape.Length;
            }

            if (Bool(config, "stateful") == true)
            {
                Refuse("stateful layers carry state between batches, which ModelGen's layers do not");
            }

            string? line = className switch
            {
                "Dense" => Dense(config, Refuse),
                "BatchNormalization" => BatchNormalization(config, Refuse),
                "Activation" => ActivationLayer(Text(config, "activation") ?? "linear", Refuse),
                "ReLU" => Relu(config, Refuse),
                "LeakyReLU" => LeakyRelu(config, Refuse),
                "ELU" => Double(config, "alpha") is null or 1.0 ? "activation elu" : Refused(Refuse, "ELU with alpha other than 1: ModelGen's elu has alpha 1"),
                "Softmax" => Int(config, "axis") is null or -1 ? "activation softmax" : Refused(Refuse, "softmax over an axis other than the last"),
                "Dropout" or "SpatialDropout1D" or "SpatialDropout2D" or "GaussianDropout" or "AlphaDropout" => DropoutLayer(className, config, Refuse),
                "Flatten" => DataFormat(config, Refuse) ? "flatten" : null,
                "Conv2D" or "Convolution2D" => Conv2D(config, Refuse),
                "Conv1D" or "Convolution1D" => Conv1D(config, Refuse),
                "MaxPooling2D" or "MaxPool2D" => MaxPooling2D(config, Refuse),
                "AveragePooling2D" or "AvgPool2D" => AveragePooling2D(config, Refuse),
                "MaxPooling1D" or "MaxPool1D" => Pooling1D("max_pooling1d", config, Refuse),
                "AveragePooling1D" or "AvgPool1D" => Pooling1D("average_pooling1d", config, Refuse),
                "GlobalAveragePooling1D" or "GlobalAvgPool1D" => GlobalPooling("global_average_pooling1d", config, Refuse),
                "GlobalMaxPooling1D" or "GlobalMaxPool1D" => GlobalPooling("global_max_pooling1d", config, Refuse),
                "GlobalAveragePooling2D" or "GlobalAvgPool2D" => GlobalPooling("global_average_pooling2d", config, Refuse),
                "GlobalMaxPooling2D" or "GlobalMaxPool2D" => GlobalPooling("global_max_pooling2d", config, Refuse),
                "LSTM" => Lstm(config, Refuse),
                "GRU" => Gru(config, Refuse),
                "Lambda" => Refused(Refuse, "a Lambda layer holds Python bytecode, which is never read or run; rewrite it as layers ModelGen has"),
                "Sequential" or "Functional" or "Model" => Refused(Refuse, "a model nested as a layer is not imported: flatten it into one Sequential"),
                _ => Refused(Refuse, "ModelGen has no such layer (dense, batch_normalization, activation, dropout, conv2d, max_pooling2d, average_pooling2d, flatten, lstm, max_pooling1d, average_pooling1d, global_average_pooling1d, global_max_pooling1d, global_average_pooling2d, global_max_pooling2d, conv1d, gru)"),
            };
            if (line is not null)
            {
                _lines.Add(line + " name=" + name);
                _shapes.Add((name, LayerShapes.For(className, config)));
            }

            _rank = className switch
            {
                "Flatten" or "Dense" => 1,
                "GlobalAveragePooling1D" or "GlobalAvgPool1D" or "GlobalMaxPooling1D" or "GlobalMaxPool1D"
                    or "GlobalAveragePooling2D" or "GlobalAvgPool2D" or "GlobalMaxPooling2D" or "GlobalMaxPool2D" => 1,
                "LSTM" or "GRU" => Bool(config, "return_sequences") == true ? 2 : 1,
                _ => _rank,
            };
        }

        /// <summary>The imported layers with their weight shapes, from the input shape through every layer; a layer whose
        /// output would be empty (a window larger than its input) is a problem.</summary>
        private IReadOnlyList<LayerInfo> LayerInfos(string modelLabel)
        {
            var infos = new List<LayerInfo>(_shapes.Count);
            int[] shape = _inputShape!;
            foreach ((string name, LayerShapes.Shaper shaper) in _shapes)
            {
                (int[] output, string kerasClass, WeightInfo[] weights) = shaper(shape);
                if (output.Length == 0 || output.Any(d => d <= 0))
                {
                    _problems.Add(new KerasProblem(name, kerasClass, $"its input {ShapeText(shape)} gives no output (the window is larger than the input)"));
                    return infos;
                }

                infos.Add(new LayerInfo(name, kerasClass, weights));
                shape = output;
            }

            return infos;
        }

        private static bool NamesAccuracy(JsonElement metric, int depth) => depth < 4 && metric.ValueKind switch
        {
            JsonValueKind.String => metric.GetString() is "accuracy" or "acc",
            JsonValueKind.Array => metric.EnumerateArray().Any(m => NamesAccuracy(m, depth + 1)),
            JsonValueKind.Object => metric.TryGetProperty("config", out JsonElement config) && Text(config, "name") is "accuracy" or "acc",
            _ => false,
        };

        /// <summary>A hyper-parameter as ModelGen trains with it (float32): Keras 3 stores them in float32 variables and
        /// writes them widened (0.0010000000474974513), which reads back as the 0.001 it was set to.</summary>
        private static string Setting(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture);

        /// <summary>The <c>compile</c> line from a Keras 3 <c>compile_config</c> or a Keras 1/2 <c>training_config</c>; null,
        /// with a warning, when the loss or optimizer is not ModelGen's (the model still imports: inference is unaffected).</summary>
        private string? Compile(JsonElement config)
        {
            string? Dropped(string why)
            {
                _warnings.Add("compile: " + why + "; the model imports without compile (inference only)");
                return null;
            }

            string? loss = config.TryGetProperty("loss", out JsonElement l) ? l.ValueKind switch
            {
                JsonValueKind.String => l.GetString(),
                JsonValueKind.Object when Bool(l.TryGetProperty("config", out JsonElement lc) ? lc : l, "from_logits") == true => "from_logits",
                JsonValueKind.Object => Snake(Text(l, "class_name") ?? string.Empty),
                _ => null,
            } : null;
            string? lossName = loss switch
            {
                "binary_crossentropy" or "categorical_crossentropy" or "sparse_categorical_crossentropy" or "mean_squared_error" => loss,
                "mse" => "mean_squared_error",
                _ => null,
            };
            if (lossName is null)
            {
                return Dropped(loss == "from_logits" ? "a loss on logits (from_logits=True): ModelGen's losses take probabilities"
                    : $"loss '{loss ?? "(none)"}': ModelGen has binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error");
            }

            JsonElement optimizer = config.TryGetProperty("optimizer", out JsonElement o) ? o
                : config.TryGetProperty("optimizer_config", out JsonElement oc) ? oc
                : default;
            string optimizerClass = optimizer.ValueKind == JsonValueKind.Object ? Text(optimizer, "class_name") ?? "?" : optimizer.ValueKind == JsonValueKind.String ? optimizer.GetString()! : "?";
            JsonElement settings = optimizer.ValueKind == JsonValueKind.Object && optimizer.TryGetProperty("config", out JsonElement s) ? s : default;
            // Keras 2.11–2.15 write "Custom>SGD"; TensorFlow.js writes "Momentum" for SGD with momentum (TensorFlow's
            // accumulator form, the same updates as Keras's SGD at a constant learning rate) and camelCase settings.
            string? optimizerName = (optimizerClass.StartsWith("Custom>", StringComparison.Ordinal) ? optimizerClass[7..] : optimizerClass).ToLowerInvariant() switch
            {
                "sgd" or "momentum" => "sgd",
                "adam" => "adam",
                _ => null,
            };
            if (optimizerName is null)
            {
                return Dropped($"optimizer '{optimizerClass}': ModelGen has sgd and adam");
            }

            var line = new StringBuilder("compile loss=").Append(lossName).Append(" optimizer=").Append(optimizerName);
            if (settings.ValueKind == JsonValueKind.Object)
            {
                if (settings.TryGetProperty("learning_rate", out JsonElement rate) || settings.TryGetProperty("lr", out rate) || settings.TryGetProperty("learningRate", out rate))
                {
                    if (rate.ValueKind != JsonValueKind.Number)
                    {
                        return Dropped("a learning-rate schedule: ModelGen's learning rate is a number (with Keras 2's decay)");
                    }

                    line.Append(" learning_rate=").Append(Setting(rate.GetDouble()));
                }

                foreach ((string key, string tfjs, string dsl, double keras) in optimizerName == "sgd"
                    ? new[] { ("momentum", "momentum", "momentum", 0.0), ("decay", "decay", "decay", 0.0) }
                    : new[] { ("beta_1", "beta1", "beta_1", 0.9), ("beta_2", "beta2", "beta_2", 0.999), ("epsilon", "epsilon", "epsilon", 1e-7), ("decay", "decay", "decay", 0.0) })
                {
                    if ((Double(settings, key) ?? Double(settings, tfjs)) is { } value && (float)value != (float)keras)
                    {
                        line.Append(' ').Append(dsl).Append('=').Append(Setting(value));
                    }
                }

                if (optimizerName == "sgd" && (Bool(settings, "nesterov") ?? Bool(settings, "useNesterov")) == true)
                {
                    line.Append(" nesterov=true");
                }

                if (optimizerName == "adam" && Bool(settings, "amsgrad") == true)
                {
                    return Dropped("Adam with amsgrad: ModelGen's adam is Keras's without it");
                }
            }

            // "accuracy" as Keras 1–3 write it: a string, nested per output in lists, or a MeanMetricWrapper named so.
            bool accuracy = config.TryGetProperty("metrics", out JsonElement metrics) && NamesAccuracy(metrics, 0);
            if (!accuracy)
            {
                line.Append(" metrics=none");
            }

            return line.ToString();
        }

        private static string? Refused(Action<string> refuse, string message)
        {
            refuse(message);
            return null;
        }

        private string? Dense(JsonElement config, Action<string> refuse)
        {
            int? units = Int(config, "units") ?? Int(config, "output_dim");
            if (units is null)
            {
                return Refused(refuse, "no units");
            }

            var line = new StringBuilder("dense ").Append(Num(units.Value));
            AppendActivation(line, config, refuse);
            if ((Bool(config, "use_bias") ?? Bool(config, "bias")) == false)
            {
                line.Append(" use_bias=false");
            }

            AppendInitializer(line, config, "kernel_initializer", "init", "glorot_uniform");
            AppendInitializer(line, config, "bias_initializer", null, "zeros");
            return line.ToString();
        }

        private string? BatchNormalization(JsonElement config, Action<string> refuse)
        {
            if (Int(config, "mode") is { } mode && mode != 0)
            {
                return Refused(refuse, $"Keras 1's BatchNormalization mode={mode} (per-sample normalization); only mode 0 is BatchNormalization");
            }

            // The axis: -1, or a list of one axis (Keras 2 writes [3] for the channels of an image), which must be the last.
            int rank = _rank;
            int? axis = config.TryGetProperty("axis", out JsonElement a)
                ? a.ValueKind == JsonValueKind.Array ? (a.GetArrayLength() == 1 && a[0].TryGetInt32(out int only) ? only : int.MinValue)
                : a.TryGetInt32(out int single) ? single : int.MinValue
                : -1;
            if (axis != -1 && axis != rank)
            {
                return Refused(refuse, $"normalizes over axis {(axis == int.MinValue ? "(several)" : Num(axis!.Value))}; ModelGen's batch_normalization normalizes the last axis (-1{(rank > 0 ? " or " + Num(rank) : string.Empty)})");
            }

            var line = new StringBuilder("batch_normalization");
            if (Double(config, "momentum") is { } momentum && momentum != 0.99)
            {
                line.Append(" momentum=").Append(Num(momentum));
            }

            if (Double(config, "epsilon") is { } epsilon && epsilon != 0.001)
            {
                line.Append(" epsilon=").Append(Num(epsilon));
            }

            if (Bool(config, "center") == false)
            {
                line.Append(" center=false");
            }

            if (Bool(config, "scale") == false)
            {
                line.Append(" scale=false");
            }

            return line.ToString();
        }

        private string? ActivationLayer(string activation, Action<string> refuse) =>
            ActivationName(activation) is { } name ? "activation " + name : Refused(refuse, UnknownActivation(activation));

        private static string? Relu(JsonElement config, Action<string> refuse)
        {
            bool plain = Double(config, "max_value") is null && (Double(config, "negative_slope") ?? 0) == 0 && (Double(config, "threshold") ?? 0) == 0;
            return plain ? "activation relu" : Refused(refuse, "ReLU with max_value, negative_slope or threshold: ModelGen's relu is max(x, 0)");
        }

        private static string? LeakyRelu(JsonElement config, Action<string> refuse)
        {
            // Keras 3 writes negative_slope (default 0.3 in the layer, 0.2 in keras.activations.leaky_relu); Keras 2 alpha (0.3).
            double slope = Double(config, "negative_slope") ?? Double(config, "alpha") ?? 0.3;
            return Math.Abs(slope - 0.2) < 1e-7 ? "activation leaky_relu"
                : Refused(refuse, $"LeakyReLU with slope {Num(slope)}: ModelGen's leaky_relu has Keras 3's slope 0.2");
        }

        private string? DropoutLayer(string className, JsonElement config, Action<string> refuse)
        {
            double rate = Double(config, "rate") ?? Double(config, "p") ?? 0;
            if (className != "Dropout")
            {
                _warnings.Add($"layer '{Text(config, "name")}' ({className}) imports as dropout {Num(rate)}: the same at inference, a different noise in training");
            }

            if (config.TryGetProperty("noise_shape", out JsonElement noise) && noise.ValueKind != JsonValueKind.Null)
            {
                return Refused(refuse, "dropout with a noise_shape (shared masks) is not ModelGen's dropout");
            }

            return rate is >= 0 and < 1 ? "dropout " + Num(rate) : Refused(refuse, $"dropout rate {Num(rate)} is not in [0, 1)");
        }

        private string? Conv2D(JsonElement config, Action<string> refuse)
        {
            if (!DataFormat(config, refuse))
            {
                return null;
            }

            int? filters = Int(config, "filters") ?? Int(config, "nb_filter");
            (int, int)? kernel = Pair(config, "kernel_size") ?? (Int(config, "nb_row") is { } rows && Int(config, "nb_col") is { } cols ? (rows, cols) : null);
            (int, int) strides = Pair(config, "strides") ?? Pair(config, "subsample") ?? (1, 1);
            if (Pair(config, "dilation_rate") is { } dilation && dilation != (1, 1))
            {
                return Refused(refuse, $"dilation_rate {dilation.Item1}x{dilation.Item2}: ModelGen's conv2d is not dilated");
            }

            if (Int(config, "groups") is { } groups && groups != 1)
            {
                return Refused(refuse, $"groups={groups}: ModelGen's conv2d is not grouped");
            }

            if (filters is null || kernel is null)
            {
                return Refused(refuse, "no filters or kernel_size");
            }

            string padding = (Text(config, "padding") ?? Text(config, "border_mode") ?? "valid").ToLowerInvariant();
            if (padding is not ("valid" or "same"))
            {
                return Refused(refuse, $"padding '{padding}': ModelGen's conv2d pads valid or same");
            }

            var line = new StringBuilder("conv2d ").Append(Num(filters.Value))
                .Append(" kernel_size=").Append(Num(kernel.Value.Item1)).Append('x').Append(Num(kernel.Value.Item2));
            if (strides != (1, 1))
            {
                line.Append(" strides=").Append(Num(strides.Item1)).Append('x').Append(Num(strides.Item2));
            }

            if (padding == "same")
            {
                line.Append(" padding=same");
            }

            AppendActivation(line, config, refuse);
            if ((Bool(config, "use_bias") ?? Bool(config, "bias")) == false)
            {
                line.Append(" use_bias=false");
            }

            AppendInitializer(line, config, "kernel_initializer", "init", "glorot_uniform");
            AppendInitializer(line, config, "bias_initializer", null, "zeros");
            return line.ToString();
        }

        private string? Conv1D(JsonElement config, Action<string> refuse)
        {
            if (!DataFormat(config, refuse))
            {
                return null;
            }

            int? filters = Int(config, "filters") ?? Int(config, "nb_filter");
            int? kernel = Single(config, "kernel_size") ?? Int(config, "filter_length");
            int strides = Single(config, "strides") ?? Int(config, "subsample_length") ?? 1;
            if (Single(config, "dilation_rate") is { } dilation && dilation != 1)
            {
                return Refused(refuse, $"dilation_rate {dilation}: ModelGen's conv1d is not dilated");
            }

            if (Int(config, "groups") is { } groups && groups != 1)
            {
                return Refused(refuse, $"groups={groups}: ModelGen's conv1d is not grouped");
            }

            if (filters is null || kernel is null)
            {
                return Refused(refuse, "no filters or kernel_size");
            }

            string padding = (Text(config, "padding") ?? Text(config, "border_mode") ?? "valid").ToLowerInvariant();
            if (padding is not ("valid" or "same"))
            {
                return Refused(refuse, $"padding '{padding}': ModelGen's conv1d pads valid or same");
            }

            var line = new StringBuilder("conv1d ").Append(Num(filters.Value)).Append(" kernel_size=").Append(Num(kernel.Value));
            if (strides != 1)
            {
                line.Append(" strides=").Append(Num(strides));
            }

            if (padding == "same")
            {
                line.Append(" padding=same");
            }

            AppendActivation(line, config, refuse);
            if ((Bool(config, "use_bias") ?? Bool(config, "bias")) == false)
            {
                line.Append(" use_bias=false");
            }

            AppendInitializer(line, config, "kernel_initializer", "init", "glorot_uniform");
            AppendInitializer(line, config, "bias_initializer", null, "zeros");
            return line.ToString();
        }

        private static string? MaxPooling2D(JsonElement config, Action<string> refuse)
        {
            if (!DataFormat(config, refuse))
            {
                return null;
            }

            (int, int) pool = Pair(config, "pool_size") ?? (2, 2);
            (int, int) strides = Pair(config, "strides") ?? pool;
            string padding = (Text(config, "padding") ?? Text(config, "border_mode") ?? "valid").ToLowerInvariant();
            var line = new StringBuilder("max_pooling2d pool_size=").Append(Num(pool.Item1)).Append('x').Append(Num(pool.Item2));
            if (strides != pool)
            {
                line.Append(" strides=").Append(Num(strides.Item1)).Append('x').Append(Num(strides.Item2));
            }

            if (padding == "same")
            {
                line.Append(" padding=same");
            }

            return line.ToString();
        }

        /// <summary>AveragePooling2D: as MaxPooling2D (Keras averages the inside positions of a "same" window, as ModelGen).</summary>
        private static string? AveragePooling2D(JsonElement config, Action<string> refuse)
        {
            string? padding = PoolingPadding(config, refuse);
            return padding is null || MaxPooling2D(config, refuse) is not { } max ? null : "average_pooling2d" + max["max_pooling2d".Length..];
        }

        /// <summary>MaxPooling1D and AveragePooling1D over the timesteps: pool_size (Keras 1: pool_length, default 2), strides
        /// (Keras 1: stride; default the pool size), padding (Keras 1: border_mode).</summary>
        private static string? Pooling1D(string keyword, JsonElement config, Action<string> refuse)
        {
            if (!DataFormat(config, refuse) || PoolingPadding(config, refuse) is not { } padding)
            {
                return null;
            }

            int pool = Single(config, "pool_size") ?? Single(config, "pool_length") ?? 2;
            int strides = Single(config, "strides") ?? Single(config, "stride") ?? pool;
            var line = new StringBuilder(keyword).Append(" pool_size=").Append(Num(pool));
            if (strides != pool)
            {
                line.Append(" strides=").Append(Num(strides));
            }

            if (padding == "same")
            {
                line.Append(" padding=same");
            }

            return line.ToString();
        }

        /// <summary>The global poolings: channels last, and a vector out (keepdims=false, Keras's default).</summary>
        private static string? GlobalPooling(string keyword, JsonElement config, Action<string> refuse)
        {
            if (!DataFormat(config, refuse))
            {
                return null;
            }

            return Bool(config, "keepdims") == true
                ? Refused(refuse, "keepdims=true keeps a 1x1 image (or one timestep); ModelGen's global pooling gives the vector of channels (keepdims=false)")
                : keyword;
        }

        /// <summary>A pooling layer's padding, valid or same (Keras 1: border_mode); null, refused, for anything else.</summary>
        private static string? PoolingPadding(JsonElement config, Action<string> refuse)
        {
            string padding = (Text(config, "padding") ?? Text(config, "border_mode") ?? "valid").ToLowerInvariant();
            return padding is "valid" or "same" ? padding : Refused(refuse, $"padding '{padding}': ModelGen's pooling pads valid or same");
        }

        /// <summary>A 1-D size as Keras writes it: a number, or a list of one (Keras 2 and 3 serialize tuples).</summary>
        private static int? Single(JsonElement config, string key)
        {
            if (Int(config, key) is { } value)
            {
                return value;
            }

            return config.ValueKind == JsonValueKind.Object && config.TryGetProperty(key, out JsonElement list) && list.ValueKind == JsonValueKind.Array
                && list.GetArrayLength() == 1 && list[0].ValueKind == JsonValueKind.Number && list[0].TryGetInt32(out int single)
                ? single
                : null;
        }

        private string? Lstm(JsonElement config, Action<string> refuse)
        {
            if (Bool(config, "unit_forget_bias") == false)
            {
                _warnings.Add($"layer '{Text(config, "name")}' (LSTM): unit_forget_bias=false only changes the initial bias; the imported weights are used as they are");
            }

            return Recurrent("lstm", "LSTM", config, refuse);
        }

        /// <summary>A GRU: Keras's gates z, r, h. reset_after as the file says; a config without it is from a Keras before
        /// the key existed (Keras 1, 2.0), whose GRU applied the reset gate before the product (reset_after=false).</summary>
        private string? Gru(JsonElement config, Action<string> refuse)
        {
            if (Bool(config, "use_bias") == false)
            {
                return Refused(refuse, "use_bias=false: ModelGen's gru always has a bias");
            }

            return Recurrent("gru", "GRU", config, refuse) is { } line
                ? line + (Bool(config, "reset_after") == true ? " reset_after=true" : " reset_after=false")
                : null;
        }

        /// <summary>What the LSTM and the GRU share: units, direction, one output, training-only dropouts (dropped with a
        /// warning), the two activations (hard_sigmoid by the file's dialect, as everywhere) and return_sequences.</summary>
        private string? Recurrent(string keyword, string className, JsonElement config, Action<string> refuse)
        {
            int? units = Int(config, "units") ?? Int(config, "output_dim");
            if (units is null)
            {
                return Refused(refuse, "no units");
            }

            if (Bool(config, "go_backwards") == true)
            {
                return Refused(refuse, $"go_backwards: ModelGen's {keyword} reads the sequence forwards");
            }

            if (Bool(config, "return_state") == true)
            {
                return Refused(refuse, "return_state: a model has one output");
            }

            foreach (string key in new[] { "dropout", "recurrent_dropout", "dropout_W", "dropout_U" })
            {
                if (Double(config, key) is { } rate && rate > 0)
                {
                    _warnings.Add($"layer '{Text(config, "name")}' ({className}): {key}={Num(rate)} (training only; ModelGen's {keyword} has no input dropout)");
                }
            }

            string activation = Text(config, "activation") ?? "tanh";
            string recurrent = Text(config, "recurrent_activation") ?? Text(config, "inner_activation") ?? "sigmoid";
            if (ActivationName(activation) is not { } a)
            {
                return Refused(refuse, UnknownActivation(activation));
            }

            if (ActivationName(recurrent) is not { } r)
            {
                return Refused(refuse, UnknownActivation(recurrent));
            }

            var line = new StringBuilder(keyword).Append(' ').Append(Num(units.Value));
            if (a != "tanh")
            {
                line.Append(" activation=").Append(a);
            }

            if (r != "sigmoid")
            {
                line.Append(" recurrent_activation=").Append(r);
            }

            if (Bool(config, "return_sequences") == true)
            {
                line.Append(" return_sequences=true");
            }

            return line.ToString();
        }

        private static bool DataFormat(JsonElement config, Action<string> refuse)
        {
            string? format = Text(config, "data_format") ?? (Text(config, "dim_ordering") is "th" ? "channels_first" : null);
            if (format == "channels_first")
            {
                refuse("data_format channels_first: ModelGen's images are channels last (height x width x channels)");
                return false;
            }

            return true;
        }

        private void AppendActivation(StringBuilder line, JsonElement config, Action<string> refuse)
        {
            string activation = Text(config, "activation") ?? "linear";
            if (ActivationName(activation) is not { } name)
            {
                refuse(UnknownActivation(activation));
            }
            else if (name != "linear")
            {
                line.Append(" activation=").Append(name);
            }
        }

        private void AppendInitializer(StringBuilder line, JsonElement config, string key, string? keras1Key, string keras)
        {
            string? written = InitializerName(config, key) ?? (keras1Key is null ? null : InitializerName(config, keras1Key));
            if (written is null || written == keras)
            {
                return; // Keras's default, which is ModelGen's too
            }

            if (Initializers.Contains(written))
            {
                line.Append(' ').Append(key).Append('=').Append(written);
            }
            else
            {
                _warnings.Add($"layer '{Text(config, "name")}': {key} '{written}' (only used to train from scratch; the imported weights replace it)");
            }
        }

        private static readonly HashSet<string> Initializers = new(StringComparer.Ordinal)
        {
            "zeros", "ones", "uniform", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
        };

        /// <summary>An initializer as Keras 1/2 write it (a string) or Keras 2/3 (an object with a class_name), as snake_case.</summary>
        private static string? InitializerName(JsonElement config, string key)
        {
            if (!config.TryGetProperty(key, out JsonElement value))
            {
                return null;
            }

            string? name = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object => Text(value, "class_name"),
                _ => null,
            };
            return name is null ? null : Snake(name);
        }

        /// <summary>The DSL's name of a Keras activation. <c>hard_sigmoid</c> depends on the dialect: Keras 3 redefined it as
        /// <c>relu6(x + 3) / 6</c>; Keras 1/2 and TensorFlow.js mean <c>clip(0.2x + 0.5, 0, 1)</c> (<c>hard_sigmoid_keras2</c>).</summary>
        private string? ActivationName(string keras) => keras switch
        {
            "linear" or "relu" or "tanh" or "sigmoid" or "softmax" or "elu" or "gelu" or "swish" or "selu" or "softplus" => keras,
            "silu" => "swish",
            "leaky_relu" => "leaky_relu",
            "hard_sigmoid" => _keras3 ? "hard_sigmoid" : "hard_sigmoid_keras2",
            _ => null,
        };

        private static string UnknownActivation(string activation) =>
            $"activation '{activation}': ModelGen has linear, relu, tanh, sigmoid, softmax, elu, leaky_relu, gelu, swish, selu, softplus, hard_sigmoid";

        private int[]? BatchShape(JsonElement config, string key) =>
            config.TryGetProperty(key, out JsonElement shape) && shape.ValueKind == JsonValueKind.Array && shape.GetArrayLength() >= 2
                ? Dimensions(shape, skip: 1)
                : null;

        private int[]? Shape(JsonElement config, string key) =>
            config.TryGetProperty(key, out JsonElement shape) && shape.ValueKind == JsonValueKind.Array && shape.GetArrayLength() >= 1
                ? Dimensions(shape, skip: 0)
                : null;

        private static int[]? InputDim(JsonElement config) => Int(config, "input_dim") is { } dim ? new[] { dim } : null;

        /// <summary>The dimensions of a shape list; an open one (<c>null</c>) as 0.</summary>
        private static int[] Dimensions(JsonElement shape, int skip) =>
            shape.EnumerateArray().Skip(skip).Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int n) ? n : 0).ToArray();

        private int[]? FillShape(int[]? fromFile, string text, string model)
        {
            int[] given;
            try
            {
                given = text.Split('x').Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                _problems.Add(new KerasProblem(model, "Sequential", $"--input-shape '{text}' is not dimensions like 28x28x1"));
                return fromFile;
            }

            if (fromFile is not null && (fromFile.Length != given.Length || fromFile.Zip(given).Any(p => p.First > 0 && p.First != p.Second)))
            {
                _problems.Add(new KerasProblem(model, "Sequential", $"--input-shape {text} does not fit the file's input shape {ShapeText(fromFile)}"));
            }

            return given;
        }

        private static string ShapeText(int[] shape) => string.Join("x", shape.Select(d => d > 0 ? Num(d) : "None"));

        private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary><c>GlorotUniform</c> → <c>glorot_uniform</c>; snake_case stays.</summary>
        private static string Snake(string name)
        {
            var text = new StringBuilder(name.Length + 4);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsUpper(c))
                {
                    if (i > 0 && name[i - 1] != '_')
                    {
                        text.Append('_');
                    }

                    text.Append(char.ToLowerInvariant(c));
                }
                else
                {
                    text.Append(c);
                }
            }

            return text.ToString();
        }
    }
}
