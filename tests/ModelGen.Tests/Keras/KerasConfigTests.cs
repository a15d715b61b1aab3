using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Keras;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>
/// Keras model configurations in the three dialects (written here as Keras 1.2, tf-keras 2 and Keras 3 write them:
/// the shapes of <c>model.to_json()</c> and of a <c>.keras</c> file's <c>config.json</c>) translated into <c>.model</c>
/// files that compile, keep Keras's layer names, and refuse what ModelGen cannot express, naming every problem.
/// </summary>
public class KerasConfigTests
{
    // keras 3: keras.Sequential([keras.Input((2,)), Dense(50, "relu", kernel_initializer="he_uniform"), BatchNormalization(), Dense(1, "sigmoid")])
    private const string Keras3 = """
        {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true,
          "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
          "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 2], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true,
              "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
              "units": 50, "activation": "relu", "use_bias": true,
              "kernel_initializer": {"module": "keras.initializers", "class_name": "HeUniform", "config": {"seed": null}, "registered_name": null},
              "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
              "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
              "registered_name": null, "build_config": {"input_shape": [null, 2]}},
            {"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "batch_normalization", "trainable": true,
              "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true,
              "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}},
              "registered_name": null, "build_config": {"input_shape": [null, 50]}},
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "units": 1, "activation": "sigmoid", "use_bias": true,
              "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}},
              "registered_name": null, "build_config": {"input_shape": [null, 50]}}
          ], "build_input_shape": [null, 2]}, "registered_name": null}
        """;

    // tf-keras 2: a CNN whose first layer carries batch_input_shape, BatchNormalization over the channels as [3].
    private const string Keras2 = """
        {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
          {"class_name": "Conv2D", "config": {"name": "conv2d", "trainable": true, "batch_input_shape": [null, 8, 8, 1], "dtype": "float32",
            "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
            "groups": 1, "activation": "linear", "use_bias": false, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}}},
          {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": [3], "momentum": 0.9, "epsilon": 0.001, "center": true, "scale": true}},
          {"class_name": "ReLU", "config": {"name": "re_lu", "max_value": null, "negative_slope": 0.0, "threshold": 0.0}},
          {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}},
          {"class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}},
          {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.25, "noise_shape": null, "seed": null}},
          {"class_name": "BatchNormalization", "config": {"name": "batch_normalization_1", "axis": [1]}},
          {"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "softmax", "use_bias": true}}
        ]}, "keras_version": "2.13.1", "backend": "tensorflow"}
        """;

    // Keras 1.2: the layers are the config; output_dim, init, Convolution2D's nb_filter/nb_row/nb_col/border_mode.
    private const string Keras1 = """
        {"class_name": "Sequential", "config": [
          {"class_name": "Convolution2D", "config": {"name": "convolution2d_1", "batch_input_shape": [null, 6, 6, 2], "nb_filter": 3, "nb_row": 2, "nb_col": 2,
            "border_mode": "valid", "subsample": [1, 1], "dim_ordering": "tf", "activation": "relu", "init": "glorot_uniform", "bias": true}},
          {"class_name": "Flatten", "config": {"name": "flatten_1"}},
          {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 2, "init": "he_normal", "activation": "linear", "bias": true}},
          {"class_name": "Activation", "config": {"name": "activation_1", "activation": "sigmoid"}}
        ], "keras_version": "1.2.2"}
        """;

    [Fact]
    public void Keras3SequentialTranslatesWithKerasNames()
    {
        KerasTranslation translation = KerasConfig.ToModelFile(Keras3, "Imported.Circles");

        Assert.Equal(
            """
            # Imported from a Keras Sequential model ('sequential') by ModelGen.Keras.
            model Imported.Circles
            input 2
            dense 50 activation=relu kernel_initializer=he_uniform name=dense
            batch_normalization name=batch_normalization
            dense 1 activation=sigmoid name=dense_1

            """.Replace("\r\n", "\n"),
            translation.ModelFile);
        Assert.Empty(translation.Warnings);
        AssertCompiles(translation.ModelFile, "Imported.Circles", " dense (Dense)", " batch_normalization (BatchNormalization)", " dense_1 (Dense)");
    }

    [Fact]
    public void Keras2DialectTranslates()
    {
        KerasTranslation translation = KerasConfig.ToModelFile(Keras2, "Imported.Cnn");

        Assert.Equal(
            """
            # Imported from a Keras Sequential model ('sequential') by ModelGen.Keras.
            model Imported.Cnn
            input 8x8x1
            conv2d 4 kernel_size=3x3 padding=same use_bias=false name=conv2d
            batch_normalization momentum=0.9 name=batch_normalization
            activation relu name=re_lu
            max_pooling2d pool_size=2x2 name=max_pooling2d
            flatten name=flatten
            dropout 0.25 name=dropout
            batch_normalization name=batch_normalization_1
            dense 3 activation=softmax name=dense

            """.Replace("\r\n", "\n"),
            translation.ModelFile);
        AssertCompiles(translation.ModelFile, "Imported.Cnn", " re_lu (Activation)", " batch_normalization_1 (BatchNormalization)");
    }

    [Fact]
    public void Keras1DialectTranslates()
    {
        KerasTranslation translation = KerasConfig.ToModelFile(Keras1, "Imported.Old");

        Assert.Equal(
            """
            # Imported from a Keras Sequential model ('model') by ModelGen.Keras.
            model Imported.Old
            input 6x6x2
            conv2d 3 kernel_size=2x2 activation=relu name=convolution2d_1
            flatten name=flatten_1
            dense 2 kernel_initializer=he_normal name=dense_1
            activation sigmoid name=activation_1

            """.Replace("\r\n", "\n"),
            translation.ModelFile);
        AssertCompiles(translation.ModelFile, "Imported.Old", " convolution2d_1 (Conv2D)");
    }

    [Fact]
    public void PoolingLayersTranslateInEveryDialect()
    {
        // Keras 3: 1-D sizes as tuples of one, global pools with keepdims; the GAP head of a CNN without flatten.
        const string keras3 = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "Conv2D", "config": {"name": "conv2d", "filters": 4, "kernel_size": [3, 3], "padding": "same", "use_bias": false}},
              {"module": "keras.layers", "class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": -1}},
              {"module": "keras.layers", "class_name": "AveragePooling2D", "config": {"name": "average_pooling2d", "pool_size": [3, 3], "padding": "same", "strides": [2, 2], "data_format": "channels_last"}},
              {"module": "keras.layers", "class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d", "data_format": "channels_last", "keepdims": false}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "softmax"}}
            ]}}
            """;
        KerasTranslation image = KerasConfig.ToModelFile(keras3, "Imported.Head");
        Assert.Contains("average_pooling2d pool_size=3x3 strides=2x2 padding=same name=average_pooling2d\nglobal_average_pooling2d name=global_average_pooling2d\ndense 2", image.ModelFile);
        AssertCompiles(image.ModelFile, "Imported.Head", " global_average_pooling2d (GlobalAveragePooling2D)    (None, 4)");

        // tf-keras 2: strides null (the pool size), a tuple of one; aliases MaxPool1D and GlobalMaxPool1D.
        const string keras2 = """
            {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"class_name": "MaxPool1D", "config": {"name": "max_pooling1d", "batch_input_shape": [null, 12, 3], "pool_size": [3], "strides": null, "padding": "valid", "data_format": "channels_last"}},
              {"class_name": "AveragePooling1D", "config": {"name": "average_pooling1d", "pool_size": [2], "strides": [1], "padding": "same", "data_format": "channels_last"}},
              {"class_name": "GlobalMaxPool1D", "config": {"name": "global_max_pooling1d", "data_format": "channels_last", "keepdims": false}},
              {"class_name": "Dense", "config": {"name": "dense", "units": 1, "activation": "sigmoid"}}
            ]}, "keras_version": "2.13.1"}
            """;
        KerasTranslation sequence = KerasConfig.ToModelFile(keras2, "Imported.Sequence");
        Assert.Contains(
            "input 12x3\nmax_pooling1d pool_size=3 name=max_pooling1d\naverage_pooling1d pool_size=2 strides=1 padding=same name=average_pooling1d\nglobal_max_pooling1d name=global_max_pooling1d\n",
            sequence.ModelFile);
        AssertCompiles(sequence.ModelFile, "Imported.Sequence", " max_pooling1d (MaxPooling1D)", " global_max_pooling1d (GlobalMaxPooling1D)");

        // Keras 1.2: pool_length, stride, border_mode; GlobalAveragePooling1D with no settings.
        const string keras1 = """
            {"class_name": "Sequential", "config": [
              {"class_name": "AveragePooling1D", "config": {"name": "averagepooling1d_1", "batch_input_shape": [null, 10, 4], "pool_length": 4, "stride": 2, "border_mode": "same"}},
              {"class_name": "GlobalAveragePooling1D", "config": {"name": "globalaveragepooling1d_1"}},
              {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 2, "activation": "softmax"}}
            ], "keras_version": "1.2.2"}
            """;
        KerasTranslation old = KerasConfig.ToModelFile(keras1, "Imported.Old");
        Assert.Contains("average_pooling1d pool_size=4 strides=2 padding=same name=averagepooling1d_1\nglobal_average_pooling1d name=globalaveragepooling1d_1\n", old.ModelFile);
        AssertCompiles(old.ModelFile, "Imported.Old", " averagepooling1d_1 (AveragePooling1D)", "(None, 5, 4)");
    }

    [Fact]
    public void PoolingSettingsModelGenLacksAreRefused()
    {
        const string json = """
            {"class_name": "Sequential", "config": {"name": "bad", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "name": "in"}},
              {"class_name": "AveragePooling2D", "config": {"name": "a", "pool_size": [2, 2], "data_format": "channels_first"}},
              {"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "keepdims": true}},
              {"class_name": "GlobalMaxPooling2D", "config": {"name": "h", "data_format": "channels_first"}},
              {"class_name": "MaxPooling1D", "config": {"name": "m", "pool_size": [2], "padding": "causal"}},
              {"class_name": "MaxPooling3D", "config": {"name": "p3"}}
            ]}}
            """;

        var exception = Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(json, "Bad"));

        string[] problems = exception.Problems.Select(p => p.ToString()).ToArray();
        Assert.Equal("layer 'a' (AveragePooling2D): data_format channels_first: ModelGen's images are channels last (height x width x channels)", problems[0]);
        Assert.Equal("layer 'g' (GlobalAveragePooling2D): keepdims=true keeps a 1x1 image (or one timestep); ModelGen's global pooling gives the vector of channels (keepdims=false)", problems[1]);
        Assert.Equal("layer 'h' (GlobalMaxPooling2D): data_format channels_first: ModelGen's images are channels last (height x width x channels)", problems[2]);
        Assert.Equal("layer 'm' (MaxPooling1D): padding 'causal': ModelGen's pooling pads valid or same", problems[3]);
        Assert.StartsWith("layer 'p3' (MaxPooling3D): ModelGen has no such layer (", problems[4]);
        Assert.Equal(5, problems.Length);
    }

    [Fact]
    public void EverythingModelGenCannotExpressIsRefusedAtOnce()
    {
        const string json = """
            {"class_name": "Sequential", "config": {"name": "bad", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "name": "in"}},
              {"class_name": "Conv2D", "config": {"name": "c1", "filters": 2, "kernel_size": [3, 3], "data_format": "channels_first"}},
              {"class_name": "Conv2D", "config": {"name": "c2", "filters": 2, "kernel_size": [3, 3], "dilation_rate": [2, 2]}},
              {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1}},
              {"class_name": "LeakyReLU", "config": {"name": "leaky", "alpha": 0.3}},
              {"class_name": "Lambda", "config": {"name": "lambda", "function": ["4wEAAAAAAAAA", null, null]}},
              {"class_name": "Flatten", "config": {"name": "f"}},
              {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "hard_silu"}}
            ]}}
            """;

        var exception = Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(json, "Bad"));

        Assert.Equal(
            [
                "layer 'c1' (Conv2D): data_format channels_first: ModelGen's images are channels last (height x width x channels)",
                "layer 'c2' (Conv2D): dilation_rate 2x2: ModelGen's conv2d is not dilated",
                "layer 'bn' (BatchNormalization): normalizes over axis 1; ModelGen's batch_normalization normalizes the last axis (-1 or 3)",
                "layer 'leaky' (LeakyReLU): LeakyReLU with slope 0.3: ModelGen's leaky_relu has Keras 3's slope 0.2",
                "layer 'lambda' (Lambda): a Lambda layer holds Python bytecode, which is never read or run; rewrite it as layers ModelGen has",
                "layer 'd' (Dense): activation 'hard_silu': ModelGen has linear, relu, tanh, sigmoid, softmax, elu, leaky_relu, gelu, swish, selu, softplus, hard_sigmoid",
            ],
            exception.Problems.Select(p => p.ToString()).ToArray());
    }

    /// <summary>hard_sigmoid means Keras 2's <c>clip(0.2x + 0.5, 0, 1)</c> in Keras 1/2 and TensorFlow.js configurations (the
    /// default recurrent activation of Keras ≤ 2.2 LSTMs) and Keras 3's <c>relu6(x + 3) / 6</c> in Keras 3's.</summary>
    [Fact]
    public void HardSigmoidMeansWhatTheFilesKerasMeantByIt()
    {
        const string keras2 = """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "LSTM", "config": {"name": "lstm", "batch_input_shape": [null, 4, 3], "units": 2, "recurrent_activation": "hard_sigmoid"}},
              {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "hard_sigmoid"}},
              {"class_name": "Dense", "config": {"name": "e", "units": 2, "activation": "selu"}},
              {"class_name": "Activation", "config": {"name": "a", "activation": "softplus"}}]}}
            """;
        const string keras3 = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_layer"}},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "hard_sigmoid"}}]}}
            """;

        Assert.EndsWith(
            "input 4x3\nlstm 2 recurrent_activation=hard_sigmoid_keras2 name=lstm\ndense 2 activation=hard_sigmoid_keras2 name=d\ndense 2 activation=selu name=e\nactivation softplus name=a\n",
            KerasConfig.ToModelFile(keras2, "M").ModelFile);
        Assert.EndsWith("input 3\ndense 2 activation=hard_sigmoid name=d\n", KerasConfig.ToModelFile(keras3, "M").ModelFile);
    }

    [Fact]
    public void RecurrentAndStatefulSettingsAreRefusedOrWarned()
    {
        const string json = """
            {"class_name": "Sequential", "config": {"name": "rnn", "layers": [
              {"class_name": "LSTM", "config": {"name": "lstm", "batch_input_shape": [null, 10, 3], "units": 8, "activation": "tanh",
                "recurrent_activation": "sigmoid", "return_sequences": true, "recurrent_dropout": 0.1}},
              {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 4, "recurrent_activation": "hard_sigmoid", "stateful": true}}
            ]}}
            """;

        var exception = Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(json, "Rnn"));
        Assert.Equal(
            [
                "layer 'lstm_1' (LSTM): stateful layers carry state between batches, which ModelGen's layers do not",
            ],
            exception.Problems.Select(p => p.ToString()).ToArray());

        const string first = """
            {"class_name": "Sequential", "config": {"name": "rnn", "layers": [
              {"class_name": "LSTM", "config": {"name": "lstm", "batch_input_shape": [null, 10, 3], "units": 8, "activation": "tanh",
                "recurrent_activation": "sigmoid", "return_sequences": true, "recurrent_dropout": 0.1}}
            ]}}
            """;
        KerasTranslation one = KerasConfig.ToModelFile(first, "Rnn");
        Assert.Contains("lstm 8 return_sequences=true name=lstm", one.ModelFile);
        Assert.Equal(["layer 'lstm' (LSTM): recurrent_dropout=0.1 (training only; ModelGen's lstm has no input dropout)"], one.Warnings);
        Assert.Contains("# dropped: layer 'lstm' (LSTM): recurrent_dropout=0.1", one.ModelFile);
    }

    [Fact]
    public void OpenDimensionsNeedAnInputShape()
    {
        string json = Keras3.Replace("\"batch_shape\": [null, 2]", "\"batch_shape\": [null, null]");

        var exception = Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(json, "M"));
        Assert.Equal("layer 'sequential' (Sequential): the input shape None leaves dimensions open: pass --input-shape to fill them", exception.Problems.Single().ToString());
        Assert.Contains("input 2\n", KerasConfig.ToModelFile(json, "M", inputShape: "2").ModelFile);
    }

    [Fact]
    public void AFunctionalChainImportsAsASequentialModelInBothDialects()
    {
        // Keras 2: inbound_nodes [[["name", 0, 0, {}]]]; the layers listed out of order, the chain gives the order.
        const string keras2 = """
            {"class_name": "Model", "config": {"name": "chain", "layers": [
              {"name": "out", "class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}, "inbound_nodes": [[["hidden", 0, 0, {}]]]},
              {"name": "input_1", "class_name": "InputLayer", "config": {"name": "input_1", "batch_input_shape": [null, 3]}, "inbound_nodes": []},
              {"name": "hidden", "class_name": "Dense", "config": {"name": "hidden", "units": 4, "activation": "relu"}, "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
              "input_layers": [["input_1", 0, 0]], "output_layers": [["out", 0, 0]]}}
            """;
        // Keras 3: inbound_nodes [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}]}].
        const string keras3 = """
            {"module": "keras", "class_name": "Functional", "config": {"name": "chain", "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "hidden", "units": 4, "activation": "relu"}, "name": "hidden",
               "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["input_1", 0, 0]}}], "kwargs": {}}]},
              {"module": "keras.layers", "class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}, "name": "out",
               "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["hidden", 0, 0]}}], "kwargs": {}}]}],
              "input_layers": ["input_1", 0, 0], "output_layers": ["out", 0, 0]}}
            """;

        foreach (string json in new[] { keras2, keras3 })
        {
            KerasTranslation translation = KerasConfig.ToModelFile(json, "M");
            Assert.EndsWith("model M\ninput 3\ndense 4 activation=relu name=hidden\ndense 1 activation=sigmoid name=out\n", translation.ModelFile);
            Assert.Equal(["hidden (Dense)", "out (Dense)"], translation.Layers.Select(l => l.ToString()));
            Assert.Equal(["kernel (3, 4)", "bias (4,)"], translation.Layers[0].Weights.Select(w => w.ToString()));
        }
    }

    [Fact]
    public void BranchesMergesAndSharedLayersAreRefusedNamingTheLayer()
    {
        const string residual = """
            {"class_name": "Functional", "config": {"name": "res", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
              {"name": "d", "class_name": "Dense", "config": {"name": "d", "units": 4}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"name": "add", "class_name": "Add", "config": {"name": "add"}, "inbound_nodes": [[["in", 0, 0, {}], ["d", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["add", 0, 0]]}}
            """;
        Assert.Equal(
            ["layer 'add' (Add): the layer merges 2 inputs (in, d); ModelGen imports a single chain (graphs: SPEC §8)"],
            Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(residual, "M")).Problems.Select(p => p.ToString()));

        const string branch = """
            {"class_name": "Functional", "config": {"name": "two", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
              {"name": "a", "class_name": "Dense", "config": {"name": "a", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]},
              {"name": "b", "class_name": "Dense", "config": {"name": "b", "units": 2}, "inbound_nodes": [[["in", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["a", 0, 0]]}}
            """;
        Assert.Equal(
            ["layer 'in' (InputLayer): the layer's output feeds 2 layers (a, b): a branch; ModelGen imports a single chain (graphs: SPEC §8)"],
            Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(branch, "M")).Problems.Select(p => p.ToString()));

        const string shared = """
            {"class_name": "Functional", "config": {"name": "s", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
              {"name": "d", "class_name": "Dense", "config": {"name": "d", "units": 4}, "inbound_nodes": [[["in", 0, 0, {}]], [["d", 0, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 1, 0]]}}
            """;
        Assert.Equal(
            ["layer 'd' (Dense): the layer is called 2 times (shared weights); ModelGen imports a single chain"],
            Assert.Throws<KerasImportException>(() => KerasConfig.ToModelFile(shared, "M")).Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void HostileJsonIsRejectedWithinBounds()
    {
        string deep = new string('[', 10_000) + new string(']', 10_000);
        Assert.Contains("nests deeper than 64", Assert.Throws<ArgumentException>(() => KerasConfig.ToModelFile(deep, "M")).Message);
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => KerasConfig.ToModelFile("{\"class_name\": ", "M")).Message);
        Assert.Contains("no \"class_name\"", Assert.Throws<ArgumentException>(() => KerasConfig.ToModelFile("[1, 2]", "M")).Message);
        string huge = "{\"class_name\": \"" + new string('x', KerasConfig.MaxConfigBytes) + "\"}";
        Assert.Contains("larger than", Assert.Throws<ArgumentException>(() => KerasConfig.ToModelFile(huge, "M")).Message);
    }

    [Fact]
    public void CompileComesFromKeras3CompileConfig()
    {
        string json = Keras3.TrimEnd().TrimEnd('}') + """
            , "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "SGD", "config": {"name": "SGD",
              "learning_rate": 0.01, "weight_decay": null, "momentum": 0.9, "nesterov": false}, "registered_name": null},
              "loss": "binary_crossentropy", "loss_weights": null, "metrics": ["accuracy"], "weighted_metrics": null, "run_eagerly": false}}
            """;

        KerasTranslation translation = KerasConfig.ToModelFile(json, "Imported.Circles");

        Assert.EndsWith("dense 1 activation=sigmoid name=dense_1\ncompile loss=binary_crossentropy optimizer=sgd learning_rate=0.01 momentum=0.9\n", translation.ModelFile);
        AssertCompiles(translation.ModelFile, "Imported.Circles", " dense_1 (Dense)");
    }

    [Fact]
    public void TfjsModelJsonAndKeras2TrainingConfigGiveTheCompileLine()
    {
        string tfjs = """{"format": "layers-model", "generatedBy": "TensorFlow.js tfjs-layers v4.22.0", "convertedBy": null, "modelTopology": {"model_config": """
            + Keras2
            + """, "training_config": {"loss": "sparse_categorical_crossentropy", "metrics": ["acc"], "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}}}}, "weightsManifest": []}""";

        KerasTranslation translation = KerasConfig.ToModelFile(tfjs, "Imported.Cnn");

        Assert.EndsWith("dense 3 activation=softmax name=dense\ncompile loss=sparse_categorical_crossentropy optimizer=adam learning_rate=0.002\n", translation.ModelFile);
        AssertCompiles(translation.ModelFile, "Imported.Cnn", " dense (Dense)");
    }

    [Fact]
    public void ACompileModelGenLacksIsDroppedWithAWarning()
    {
        string json = Keras3.TrimEnd().TrimEnd('}') + """
            , "compile_config": {"optimizer": {"class_name": "RMSprop", "config": {"learning_rate": 0.001}},
              "loss": {"module": "keras.losses", "class_name": "BinaryCrossentropy", "config": {"from_logits": false}}, "metrics": []}}
            """;

        KerasTranslation translation = KerasConfig.ToModelFile(json, "M");

        Assert.DoesNotContain("compile", translation.ModelFile.Split('\n').Last(l => l.Length > 0));
        Assert.Equal(["compile: optimizer 'RMSprop': ModelGen has sgd and adam; the model imports without compile (inference only)"], translation.Warnings);
    }

    /// <summary>The translated file compiles into a class whose summary lists the Keras names.</summary>
    private static void AssertCompiles(string modelFile, string type, params string[] summaryRows)
    {
        GeneratorRun run = GeneratorHarness.RunModelFile(modelFile, "Imported.model");
        Assert.DoesNotContain(run.ModelGenDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string source = run.Sources.Single(s => s.Key == type + ".g.cs").Value;
        foreach (string row in summaryRows)
        {
            Assert.Contains(row, source);
        }
    }
}
