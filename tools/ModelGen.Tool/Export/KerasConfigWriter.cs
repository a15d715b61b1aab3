using System;
using System.IO;
using System.Text;
using System.Text.Json;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Tool.Export;

/// <summary>
/// Writes a planned model as Keras 3's <c>config.json</c>: a <c>keras.Sequential</c> with an InputLayer, each layer
/// serialized as <c>keras.saving.serialize_keras_object</c> does (<c>module</c>, <c>class_name</c>, <c>config</c>,
/// <c>registered_name</c>, <c>build_config</c>), dtype policies as objects, and a <c>compile_config</c> from the model's
/// <c>compile</c> line, so that <c>keras.saving.load_model</c> rebuilds (and compiles) the same model.
/// </summary>
internal static class KerasConfigWriter
{
    public static string Write(ModelPlan plan)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("module", "keras");
            json.WriteString("class_name", "Sequential");
            json.WriteStartObject("config");
            json.WriteString("name", "sequential");
            json.WriteBoolean("trainable", true);
            DTypePolicy(json);
            json.WriteStartArray("layers");
            json.WriteStartObject();
            json.WriteString("module", "keras.layers");
            json.WriteString("class_name", "InputLayer");
            json.WriteStartObject("config");
            BatchShape(json, "batch_shape", plan.InputShape);
            json.WriteString("dtype", "float32");
            json.WriteBoolean("sparse", false);
            json.WriteString("name", "input_layer");
            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteEndObject();
            foreach (LayerPlan layer in plan.Layers)
            {
                Layer(json, layer);
            }

            json.WriteEndArray();
            BatchShape(json, "build_input_shape", plan.InputShape);
            json.WriteEndObject();
            json.WriteNull("registered_name");
            json.WriteStartObject("build_config");
            BatchShape(json, "input_shape", plan.InputShape);
            json.WriteEndObject();
            if (plan.Compile is { } compile)
            {
                CompileConfig(json, compile);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Layer(Utf8JsonWriter json, LayerPlan layer)
    {
        string className = Names.KerasClassOf(layer.Spec.Kind);
        json.WriteStartObject();
        json.WriteString("module", "keras.layers");
        json.WriteString("class_name", className);
        json.WriteStartObject("config");
        json.WriteString("name", layer.Name);
        json.WriteBoolean("trainable", true);
        DTypePolicy(json);
        switch (layer.Spec)
        {
            case DenseSpec dense:
                json.WriteNumber("units", dense.Units);
                json.WriteString("activation", Activation(dense.Activation));
                json.WriteBoolean("use_bias", dense.UseBias);
                Initializer(json, "kernel_initializer", dense.KernelInitializer);
                Initializer(json, "bias_initializer", dense.BiasInitializer);
                Nulls(json, "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint");
                break;
            case BatchNormalizationSpec bn:
                json.WriteNumber("axis", -1);
                json.WriteNumber("momentum", bn.Momentum);
                json.WriteNumber("epsilon", bn.Epsilon);
                json.WriteBoolean("center", bn.Center);
                json.WriteBoolean("scale", bn.Scale);
                Initializer(json, "beta_initializer", InitializerKind.Zeros);
                Initializer(json, "gamma_initializer", InitializerKind.Ones);
                Initializer(json, "moving_mean_initializer", InitializerKind.Zeros);
                Initializer(json, "moving_variance_initializer", InitializerKind.Ones);
                Nulls(json, "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint");
                json.WriteBoolean("synchronized", false);
                break;
            case ActivationSpec activation:
                json.WriteString("activation", Activation(activation.Activation));
                break;
            case DropoutSpec dropout:
                json.WriteNumber("rate", dropout.Rate);
                if (dropout.Seed is int seed)
                {
                    json.WriteNumber("seed", seed);
                }
                else
                {
                    json.WriteNull("seed");
                }

                json.WriteNull("noise_shape");
                break;
            case Conv2DSpec { Sequence: true } conv:
                json.WriteNumber("filters", conv.Filters);
                One(json, "kernel_size", conv.KernelWidth);
                One(json, "strides", conv.StrideWidth);
                json.WriteString("padding", conv.Padding == PaddingKind.Same ? "same" : "valid");
                json.WriteString("data_format", "channels_last");
                One(json, "dilation_rate", 1);
                json.WriteNumber("groups", 1);
                json.WriteString("activation", Activation(conv.Activation));
                json.WriteBoolean("use_bias", conv.UseBias);
                Initializer(json, "kernel_initializer", conv.KernelInitializer);
                Initializer(json, "bias_initializer", conv.BiasInitializer);
                Nulls(json, "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint");
                break;
            case Conv2DSpec conv:
                json.WriteNumber("filters", conv.Filters);
                Pair(json, "kernel_size", conv.KernelHeight, conv.KernelWidth);
                Pair(json, "strides", conv.StrideHeight, conv.StrideWidth);
                json.WriteString("padding", conv.Padding == PaddingKind.Same ? "same" : "valid");
                json.WriteString("data_format", "channels_last");
                Pair(json, "dilation_rate", 1, 1);
                json.WriteNumber("groups", 1);
                json.WriteString("activation", Activation(conv.Activation));
                json.WriteBoolean("use_bias", conv.UseBias);
                Initializer(json, "kernel_initializer", conv.KernelInitializer);
                Initializer(json, "bias_initializer", conv.BiasInitializer);
                Nulls(json, "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint");
                break;
            case MaxPooling2DSpec pool:
                Pair(json, "pool_size", pool.PoolHeight, pool.PoolWidth);
                Pair(json, "strides", pool.StrideHeight, pool.StrideWidth);
                json.WriteString("padding", pool.Padding == PaddingKind.Same ? "same" : "valid");
                json.WriteString("data_format", "channels_last");
                break;
            case AveragePooling2DSpec pool:
                Pair(json, "pool_size", pool.PoolHeight, pool.PoolWidth);
                Pair(json, "strides", pool.StrideHeight, pool.StrideWidth);
                json.WriteString("padding", pool.Padding == PaddingKind.Same ? "same" : "valid");
                json.WriteString("data_format", "channels_last");
                break;
            case MaxPooling1DSpec max:
                Pooling1D(json, max.PoolSize, max.Stride, max.Padding);
                break;
            case AveragePooling1DSpec average:
                Pooling1D(json, average.PoolSize, average.Stride, average.Padding);
                break;

            case GlobalAveragePooling1DSpec or GlobalMaxPooling1DSpec or GlobalAveragePooling2DSpec or GlobalMaxPooling2DSpec:
                json.WriteString("data_format", "channels_last");
                json.WriteBoolean("keepdims", false);
                break;
            case FlattenSpec:
                json.WriteString("data_format", "channels_last");
                break;
            case LstmSpec lstm:
                json.WriteBoolean("return_sequences", lstm.ReturnSequences);
                json.WriteBoolean("return_state", false);
                json.WriteBoolean("go_backwards", false);
                json.WriteBoolean("stateful", false);
                json.WriteBoolean("unroll", false);
                json.WriteBoolean("zero_output_for_mask", false);
                json.WriteNumber("units", lstm.Units);
                json.WriteString("activation", Activation(lstm.Activation));
                json.WriteString("recurrent_activation", Activation(lstm.RecurrentActivation));
                json.WriteBoolean("use_bias", true);
                Initializer(json, "kernel_initializer", InitializerKind.GlorotUniform);
                Initializer(json, "recurrent_initializer", InitializerKind.Orthogonal);
                Initializer(json, "bias_initializer", InitializerKind.Zeros);
                json.WriteBoolean("unit_forget_bias", true);
                Nulls(json, "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint");
                json.WriteNumber("dropout", 0.0);
                json.WriteNumber("recurrent_dropout", 0.0);
                json.WriteNull("seed");
                break;
            case GruSpec gru:
                json.WriteBoolean("return_sequences", gru.ReturnSequences);
                json.WriteBoolean("return_state", false);
                json.WriteBoolean("go_backwards", false);
                json.WriteBoolean("stateful", false);
                json.WriteBoolean("unroll", false);
                json.WriteBoolean("zero_output_for_mask", false);
                json.WriteNumber("units", gru.Units);
                json.WriteString("activation", Activation(gru.Activation));
                json.WriteString("recurrent_activation", Activation(gru.RecurrentActivation));
                json.WriteBoolean("use_bias", true);
                Initializer(json, "kernel_initializer", InitializerKind.GlorotUniform);
                Initializer(json, "recurrent_initializer", InitializerKind.Orthogonal);
                Initializer(json, "bias_initializer", InitializerKind.Zeros);
                Nulls(json, "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint");
                json.WriteNumber("dropout", 0.0);
                json.WriteNumber("recurrent_dropout", 0.0);
                json.WriteBoolean("reset_after", gru.ResetAfter);
                json.WriteNull("seed");
                break;
            default:
                throw new NotSupportedException($"Layer '{layer.Name}' ({className}) has no Keras form yet.");
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteStartObject("build_config");
        BatchShape(json, "input_shape", layer.Input);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void CompileConfig(Utf8JsonWriter json, CompileSpec compile)
    {
        json.WriteStartObject("compile_config");
        json.WriteStartObject("optimizer");
        json.WriteString("module", "keras.optimizers");
        string name = compile.Optimizer == OptimizerKind.Adam ? "Adam" : "SGD";
        json.WriteString("class_name", name);
        json.WriteStartObject("config");
        json.WriteString("name", name.ToLowerInvariant());
        json.WriteNumber("learning_rate", compile.LearningRate);
        json.WriteNull("weight_decay");
        Nulls(json, "clipnorm", "global_clipnorm", "clipvalue");
        json.WriteBoolean("use_ema", false);
        json.WriteNumber("ema_momentum", 0.99);
        Nulls(json, "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps");
        if (compile.Optimizer == OptimizerKind.Adam)
        {
            json.WriteNumber("beta_1", compile.Beta1);
            json.WriteNumber("beta_2", compile.Beta2);
            json.WriteNumber("epsilon", compile.Epsilon);
            json.WriteBoolean("amsgrad", false);
        }
        else
        {
            json.WriteNumber("momentum", compile.Momentum);
            json.WriteBoolean("nesterov", compile.Nesterov);
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
        json.WriteString("loss", compile.Loss switch
        {
            LossKind.BinaryCrossentropy => "binary_crossentropy",
            LossKind.CategoricalCrossentropy => "categorical_crossentropy",
            LossKind.SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
            _ => "mean_squared_error",
        });
        json.WriteNull("loss_weights");
        if (compile.Accuracy)
        {
            json.WriteStartArray("metrics");
            json.WriteStringValue("accuracy");
            json.WriteEndArray();
        }
        else
        {
            json.WriteNull("metrics");
        }

        json.WriteNull("weighted_metrics");
        json.WriteBoolean("run_eagerly", false);
        json.WriteNumber("steps_per_execution", 1);
        json.WriteBoolean("jit_compile", false);
        json.WriteEndObject();
    }

    private static void DTypePolicy(Utf8JsonWriter json)
    {
        json.WriteStartObject("dtype");
        json.WriteString("module", "keras");
        json.WriteString("class_name", "DTypePolicy");
        json.WriteStartObject("config");
        json.WriteString("name", "float32");
        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static void Initializer(Utf8JsonWriter json, string key, InitializerKind kind)
    {
        json.WriteStartObject(key);
        json.WriteString("module", "keras.initializers");
        json.WriteString("class_name", kind switch
        {
            InitializerKind.Zeros => "Zeros",
            InitializerKind.Ones => "Ones",
            InitializerKind.Uniform => "RandomUniform",
            InitializerKind.GlorotUniform => "GlorotUniform",
            InitializerKind.GlorotNormal => "GlorotNormal",
            InitializerKind.HeUniform => "HeUniform",
            InitializerKind.HeNormal => "HeNormal",
            InitializerKind.LecunUniform => "LecunUniform",
            InitializerKind.LecunNormal => "LecunNormal",
            _ => "Orthogonal",
        });
        json.WriteStartObject("config");
        switch (kind)
        {
            case InitializerKind.Zeros or InitializerKind.Ones:
                break;
            case InitializerKind.Uniform:
                json.WriteNumber("minval", -0.05);
                json.WriteNumber("maxval", 0.05);
                json.WriteNull("seed");
                break;
            case InitializerKind.Orthogonal:
                json.WriteNumber("gain", 1.0);
                json.WriteNull("seed");
                break;
            default:
                json.WriteNull("seed");
                break;
        }

        json.WriteEndObject();
        json.WriteNull("registered_name");
        json.WriteEndObject();
    }

    private static string Activation(ActivationKind kind) => kind switch
    {
        ActivationKind.Linear => "linear",
        ActivationKind.Relu => "relu",
        ActivationKind.Tanh => "tanh",
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.Softmax => "softmax",
        ActivationKind.Elu => "elu",
        ActivationKind.LeakyRelu => "leaky_relu",
        ActivationKind.Gelu => "gelu",
        ActivationKind.Swish => "swish",
        ActivationKind.Selu => "selu",
        ActivationKind.Softplus => "softplus",
        ActivationKind.HardSigmoid => "hard_sigmoid",
        ActivationKind.HardSigmoidKeras2 => throw new NotSupportedException("hard_sigmoid_keras2 (Keras 2's clip(0.2x + 0.5, 0, 1)) has no Keras 3 equivalent: Keras 3's hard_sigmoid is relu6(x + 3) / 6"),
        _ => throw new NotSupportedException($"Activation {kind} has no Keras name yet."),
    };

    private static void BatchShape(Utf8JsonWriter json, string key, TensorShape shape)
    {
        json.WriteStartArray(key);
        json.WriteNullValue();
        foreach (int dimension in shape.Rank switch { 1 => new[] { shape.D0 }, 2 => [shape.D0, shape.D1], _ => [shape.D0, shape.D1, shape.D2] })
        {
            json.WriteNumberValue(dimension);
        }

        json.WriteEndArray();
    }

    private static void One(Utf8JsonWriter json, string key, int value)
    {
        json.WriteStartArray(key);
        json.WriteNumberValue(value);
        json.WriteEndArray();
    }

    /// <summary>A 1-D pooling's settings; Keras 3 serializes the sizes as tuples of one.</summary>
    private static void Pooling1D(Utf8JsonWriter json, int poolSize, int stride, PaddingKind padding)
    {
        json.WriteStartArray("pool_size");
        json.WriteNumberValue(poolSize);
        json.WriteEndArray();
        json.WriteStartArray("strides");
        json.WriteNumberValue(stride);
        json.WriteEndArray();
        json.WriteString("padding", padding == PaddingKind.Same ? "same" : "valid");
        json.WriteString("data_format", "channels_last");
    }

    private static void Pair(Utf8JsonWriter json, string key, int first, int second)
    {
        json.WriteStartArray(key);
        json.WriteNumberValue(first);
        json.WriteNumberValue(second);
        json.WriteEndArray();
    }

    private static void Nulls(Utf8JsonWriter json, params string[] keys)
    {
        foreach (string key in keys)
        {
            json.WriteNull(key);
        }
    }
}
