using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using ModelGen.CompilerServices;
using ActivationKind = ModelGen.Activation;

namespace ModelGen.CompilerServices;

/// <summary>
/// Builds a model's inference graph as an ONNX model, one call per Keras layer; for generated code
/// (<c>ExportOnnx</c>). The graph reads <c>x</c>, float32 <c>[batch, inputSize]</c> with a symbolic <c>batch</c>
/// dimension, and writes <c>y</c>, float32 <c>[batch, Width]</c>. Weights become initializers named as in Keras
/// (<c>dense/kernel</c>, <c>batch_normalization/moving_mean</c>), copied when a layer is added, so the builder never
/// refers to the model's arrays afterwards. Nodes are named after their layer: the layer's own operator (a Dense's
/// <c>Gemm</c>, a BatchNormalization, an Activation layer's last operator) has the layer's name, any other
/// <c>layer/what</c> (<c>dense/relu</c>); every node's output value has its node's name, except the last one, <c>y</c>.
/// A node writes one value (an LSTM without return_sequences writes its second output, <c>Y_h</c>, and leaves <c>Y</c>
/// unnamed, as ONNX writes an optional output that is not used).
/// </summary>
/// <remarks>
/// <para>Operator set <see cref="OpsetVersion"/> (13) of the default domain, IR version <see cref="IrVersion"/> (7,
/// the IR released with opset 13): every operator used is in that set, so any runtime that supports opset 13 runs the
/// file. Dense is <c>Gemm</c> (its bias as <c>C</c>, none without a bias); BatchNormalization is
/// <c>BatchNormalization</c> with the moving statistics (inference), ones for gamma when <c>scale = false</c> and
/// zeros for beta when <c>center = false</c>; activations are <c>Relu</c>, <c>Tanh</c>, <c>Sigmoid</c>,
/// <c>Softmax</c> (axis -1), <c>Elu</c> (alpha 1), <c>LeakyRelu</c> (alpha 0.2), GELU as
/// <c>0.5 · x · (1 + Erf(x / √2))</c> (opset 13 has no <c>Gelu</c>) and swish as <c>x · Sigmoid(x)</c>. Dropout is
/// an identity at inference and adds nothing. Conv2D is <c>Conv</c>, MaxPooling2D <c>MaxPool</c>, AveragePooling2D
/// <c>AveragePool</c> (the padding not counted) and the global poolings <c>GlobalAveragePool</c> and <c>GlobalMaxPool</c>
/// (then a <c>Reshape</c> to <c>[N, channels]</c>); the 1-D poolings pool a sequence as a <c>timesteps x 1</c> image. All run on ONNX's NCHW
/// layout: the channels-last values are reshaped and transposed to NCHW once before the first image layer, stay NCHW
/// through the following image layers (BatchNormalization and softmax then work along the channels, axis 1), and go
/// back (<c>Transpose</c> + <c>Reshape</c>) at Flatten, a Dense, or the output. Flatten of a vector or sequence adds
/// nothing (<c>x</c> is already flat). On a sequence, or an image still channels last, softmax and
/// BatchNormalization work along the last axis: the values are reshaped to <c>[batch · positions, features]</c> around them.</para>
/// <para>LSTM is ONNX's <c>LSTM</c> (forward, no peepholes, zero initial states) on the sequence reshaped to
/// <c>[batch, timesteps, features]</c> and transposed to ONNX's time-major <c>[timesteps, batch, features]</c> (opset
/// 13 has no <c>layout</c> attribute). Keras's kernel, recurrent kernel and bias (gate blocks i, f, c, o) are written
/// in ONNX's gate order i, o, f, c and transposed: <c>lstm/kernel</c> is <c>W [1, 4·units, features]</c>,
/// <c>lstm/recurrent_kernel</c> <c>R [1, 4·units, units]</c>, <c>lstm/bias</c> <c>B [1, 8·units]</c> (the recurrent
/// half zeros). The activations are <c>[recurrent_activation, activation, activation]</c> for ONNX's f, g and h, linear
/// as <c>Affine</c> (alpha 1, beta 0), elu as <c>Elu</c> (alpha 1), leaky_relu as <c>LeakyRelu</c> (alpha 0.2); gelu,
/// swish and softmax have no ONNX LSTM activation. With return_sequences the output <c>Y [timesteps, 1, batch, units]</c>
/// is transposed back to <c>[batch, timesteps, 1, units]</c> and reshaped to <c>[batch, timesteps · units]</c>;
/// otherwise the last hidden state <c>Y_h [1, batch, units]</c> is reshaped to <c>[batch, units]</c>.</para>
/// <para>The encoding is deterministic: the same calls give the same bytes.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The version of the default ONNX operator set (domain <c>""</c>) the graph imports.</summary>
    internal const int OpsetVersion = 13;

    /// <summary>The ONNX IR version written (<c>ModelProto.ir_version</c>).</summary>
    internal const long IrVersion = 7;

    /// <summary>The graph input's name.</summary>
    internal const string InputName = "x";

    /// <summary>The graph output's name.</summary>
    internal const string OutputName = "y";

    /// <summary>The symbolic name of the batch dimension of the input and the output.</summary>
    internal const string BatchDimension = "batch";

    /// <summary><c>ModelProto.producer_name</c>.</summary>
    internal const string ProducerName = "ModelGen";

    private readonly string _graphName;
    private readonly int _inputSize;
    private readonly List<Node> _nodes = new();
    private readonly List<Tensor> _initializers = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal) { InputName, OutputName };
    private string _current = InputName;

    /// <summary>While conv2d, max_pooling2d and the layers after them work on images: the current value is
    /// <c>[N, channels, height, width]</c> (ONNX's NCHW) and this is its shape; null while it is <c>[N, Width]</c>.</summary>
    private (int Height, int Width, int Channels)? _image;

    /// <summary>Starts a graph whose input has <paramref name="inputSize"/> values per sample.</summary>
    /// <param name="graphName">The graph's name: the model's full type name.</param>
    /// <param name="inputSize">Values per input sample.</param>
    public OnnxGraphBuilder(string graphName, int inputSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        _graphName = graphName;
        _inputSize = inputSize;
        Width = inputSize;
    }

    /// <summary>Values per sample of the graph's current output (the input size, then each layer's units).</summary>
    public int Width { get; private set; }

    /// <summary>Adds a Keras Dense layer: <c>Gemm(x, kernel, bias)</c>, then its activation.</summary>
    /// <param name="name">The Keras layer name (<c>dense</c>, <c>dense_1</c>), the Gemm node's name.</param>
    /// <param name="kernel">The kernel, <c>[inputs, units]</c> row-major (Keras's layout).</param>
    /// <param name="bias">The bias, <c>[units]</c>, or empty for <c>use_bias = false</c>.</param>
    /// <param name="inputs">Input features: the current <see cref="Width"/>.</param>
    /// <param name="units">Output features.</param>
    /// <param name="activation">The layer's activation.</param>
    public void Dense(string name, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, int inputs, int units, ActivationKind activation = ActivationKind.Linear)
    {
        CheckName(name);
        if (inputs != Width)
        {
            throw new ArgumentException($"Dense '{name}' takes {inputs} inputs, but the graph's output has {Width} values per sample.", nameof(inputs));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        CheckLength(kernel.Length, (long)inputs * units, nameof(kernel), $"[{inputs}, {units}]");
        ToFlat(name);
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, units, nameof(bias), $"[{units}] or empty");
        }

        var inputsOfGemm = new List<string> { _current, AddInitializer(name + "/kernel", new long[] { inputs, units }, kernel) };
        if (!bias.IsEmpty)
        {
            inputsOfGemm.Add(AddInitializer(name + "/bias", new long[] { units }, bias));
        }

        AddNode(name, "Gemm", inputsOfGemm.ToArray());
        Width = units;
        if (activation != ActivationKind.Linear)
        {
            AddActivation(name + "/" + KerasName(activation), activation);
        }
    }

    /// <summary>Adds a Keras BatchNormalization layer in inference mode:
    /// <c>y = gamma · (x - moving_mean) / sqrt(moving_variance + epsilon) + beta</c> per feature.</summary>
    /// <param name="name">The Keras layer name, the node's name.</param>
    /// <param name="gamma">The scale, <c>[Width]</c>, or empty for <c>scale = false</c> (ones are written).</param>
    /// <param name="beta">The offset, <c>[Width]</c>, or empty for <c>center = false</c> (zeros are written).</param>
    /// <param name="movingMean">The moving mean, <c>[Width]</c>.</param>
    /// <param name="movingVariance">The moving variance, <c>[Width]</c>.</param>
    /// <param name="epsilon">The layer's epsilon.</param>
    /// <param name="features">For a sequence or image, the values per position (the last axis, which the layer
    /// normalizes); <see langword="null"/> for a vector, whose features are the whole <see cref="Width"/>.</param>
    public void BatchNormalization(
        string name, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon, int? features = null)
    {
        CheckName(name);
        int perPosition = Features(features);
        string shape = $"[{perPosition}]";
        if (!gamma.IsEmpty)
        {
            CheckLength(gamma.Length, perPosition, nameof(gamma), shape + " or empty");
        }

        if (!beta.IsEmpty)
        {
            CheckLength(beta.Length, perPosition, nameof(beta), shape + " or empty");
        }

        CheckLength(movingMean.Length, perPosition, nameof(movingMean), shape);
        CheckLength(movingVariance.Length, perPosition, nameof(movingVariance), shape);
        if (!(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive.");
        }

        long[] dims = { perPosition };
        string scale = gamma.IsEmpty ? AddInitializer(name + "/ones", dims, Filled(perPosition, 1f)) : AddInitializer(name + "/gamma", dims, gamma);
        string offset = beta.IsEmpty ? AddInitializer(name + "/zeros", dims, Filled(perPosition, 0f)) : AddInitializer(name + "/beta", dims, beta);
        string mean = AddInitializer(name + "/moving_mean", dims, movingMean);
        string variance = AddInitializer(name + "/moving_variance", dims, movingVariance);
        if (_image is { } image && image.Channels == perPosition)
        {
            // On NCHW images ONNX's axis 1 is the channels: the layer's axis already.
            AddNode(name, "BatchNormalization", new[] { _current, scale, offset, mean, variance }, Attribute.Of("epsilon", epsilon));
            return;
        }

        // ONNX normalizes axis 1 of [N, C, ...]: positions of a sequence or image become rows, [N · positions, C].
        ToFlat(name);
        ToPositions(name, perPosition);
        AddNode(name, "BatchNormalization", new[] { _current, scale, offset, mean, variance }, Attribute.Of("epsilon", epsilon));
        ToSamples(name, perPosition);
    }

    /// <summary>
    /// Adds a Keras Conv2D layer on channels-last images: the values are laid out as ONNX's NCHW (a <c>Reshape</c> and
    /// a <c>Transpose</c>, once for a run of image layers), then <c>Conv</c> with the kernel transposed from Keras's
    /// <c>[kh, kw, in, out]</c> to ONNX's <c>[out, in, kh, kw]</c>, the strides, and explicit pads computed as
    /// TensorFlow does for <c>"same"</c> (<see cref="Window2D"/>: the smaller half before), then the activation.
    /// </summary>
    /// <param name="name">The Keras layer name, the <c>Conv</c> node's name.</param>
    /// <param name="kernel">The kernel, <c>[kh, kw, in, out]</c> row-major (Keras's layout).</param>
    /// <param name="bias">The bias, <c>[filters]</c>, or empty for <c>use_bias = false</c>.</param>
    /// <param name="window">The input's shape, the kernel's size, the strides and the padding.</param>
    /// <param name="filters">Output channels.</param>
    /// <param name="activation">The layer's activation.</param>
    public void Conv2D(string name, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, in Window2D window, int filters, ActivationKind activation = ActivationKind.Linear)
    {
        CheckName(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        int channels = window.Channels, kh = window.WindowHeight, kw = window.WindowWidth;
        CheckLength(kernel.Length, (long)window.PatchSize * filters, nameof(kernel), $"[{kh}, {kw}, {channels}, {filters}]");
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, filters, nameof(bias), $"[{filters}] or empty");
        }

        var onnxKernel = new float[kernel.Length];
        for (int y = 0; y < kh; y++)
        {
            for (int x = 0; x < kw; x++)
            {
                for (int i = 0; i < channels; i++)
                {
                    for (int o = 0; o < filters; o++)
                    {
                        onnxKernel[((o * channels + i) * kh + y) * kw + x] = kernel[((y * kw + x) * channels + i) * filters + o];
                    }
                }
            }
        }

        var inputsOfConv = new List<string> { string.Empty, AddInitializer(name + "/kernel", new long[] { filters, channels, kh, kw }, onnxKernel) };
        if (!bias.IsEmpty)
        {
            inputsOfConv.Add(AddInitializer(name + "/bias", new long[] { filters }, bias));
        }

        ToImage(name, window);
        inputsOfConv[0] = _current;
        AddNode(name, "Conv", inputsOfConv.ToArray(), WindowAttributes(window));
        _image = (window.OutputHeight, window.OutputWidth, filters);
        Width = window.Positions * filters;
        if (activation != ActivationKind.Linear)
        {
            Activation(name + "/" + KerasName(activation), activation, filters);
        }
    }

    /// <summary>Adds a Keras MaxPooling2D layer: ONNX <c>MaxPool</c> with the pool size, strides and TensorFlow's pads
    /// (ONNX's max pooling ignores padded positions, as TensorFlow's -∞ padding does).</summary>
    /// <param name="name">The Keras layer name, the node's name.</param>
    /// <param name="window">The input's shape, the pool's size, the strides and the padding.</param>
    public void MaxPooling2D(string name, in Window2D window)
    {
        CheckName(name);
        ToImage(name, window);
        AddNode(name, "MaxPool", new[] { _current }, WindowAttributes(window));
        _image = (window.OutputHeight, window.OutputWidth, window.Channels);
        Width = window.Positions * window.Channels;
    }

    /// <summary>Adds a Keras AveragePooling2D layer: ONNX <c>AveragePool</c> with the pool size, strides and TensorFlow's
    /// pads, <c>count_include_pad = 0</c> (a window at the border averages the values it covers, as in TensorFlow).</summary>
    /// <param name="name">The Keras layer name, the node's name.</param>
    /// <param name="window">The input's shape, the pool's size, the strides and the padding.</param>
    public void AveragePooling2D(string name, in Window2D window)
    {
        CheckName(name);
        ToImage(name, window);
        AddNode(name, "AveragePool", new[] { _current }, AveragePoolAttributes(window));
        _image = (window.OutputHeight, window.OutputWidth, window.Channels);
        Width = window.Positions * window.Channels;
    }

    /// <summary>Adds a Keras MaxPooling1D layer on a sequence <c>[timesteps, features]</c>, as a <c>timesteps x 1</c> image of
    /// <c>features</c> channels (<paramref name="window"/>'s width and the window's are 1): ONNX <c>MaxPool</c> over
    /// <c>[N, features, timesteps, 1]</c>.</summary>
    /// <param name="name">The Keras layer name, the node's name.</param>
    /// <param name="window">The sequence as a one-column image, the pool's size along the timesteps, the stride and the padding.</param>
    public void MaxPooling1D(string name, in Window2D window)
    {
        CheckColumn(name, window);
        MaxPooling2D(name, window);
    }

    /// <summary>Adds a Keras AveragePooling1D layer on a sequence, as a <c>timesteps x 1</c> image (see
    /// <see cref="MaxPooling1D"/>): ONNX <c>AveragePool</c> with <c>count_include_pad = 0</c>.</summary>
    /// <param name="name">The Keras layer name, the node's name.</param>
    /// <param name="window">The sequence as a one-column image, the pool's size along the timesteps, the stride and the padding.</param>
    public void AveragePooling1D(string name, in Window2D window)
    {
        CheckColumn(name, window);
        AveragePooling2D(name, window);
    }

    /// <summary>Adds a Keras GlobalAveragePooling2D or GlobalAveragePooling1D layer: ONNX <c>GlobalAveragePool</c> on the
    /// NCHW image (a sequence as a <c>timesteps x 1</c> image), then a <c>Reshape</c> to <c>[N, channels]</c>.</summary>
    /// <param name="name">The Keras layer name, the <c>GlobalAveragePool</c> node's name.</param>
    /// <param name="window">The input's shape; the window covers all of it.</param>
    public void GlobalAveragePooling(string name, in Window2D window) => GlobalPooling(name, window, "GlobalAveragePool");

    /// <summary>Adds a Keras GlobalMaxPooling2D or GlobalMaxPooling1D layer: ONNX <c>GlobalMaxPool</c> on the NCHW image (a
    /// sequence as a <c>timesteps x 1</c> image), then a <c>Reshape</c> to <c>[N, channels]</c>.</summary>
    /// <param name="name">The Keras layer name, the <c>GlobalMaxPool</c> node's name.</param>
    /// <param name="window">The input's shape; the window covers all of it.</param>
    public void GlobalMaxPooling(string name, in Window2D window) => GlobalPooling(name, window, "GlobalMaxPool");

    private void GlobalPooling(string name, in Window2D window, string opType)
    {
        CheckName(name);
        if (window.Positions != 1 || window.WindowHeight != window.Height || window.WindowWidth != window.Width)
        {
            throw new ArgumentException($"Layer '{name}' is a global pool: its window must cover the whole {window.Height}x{window.Width} input.", nameof(window));
        }

        ToImage(name, window);
        AddNode(name, opType, _current);
        AddNode(name + "/flatten", "Reshape", _current, AddInitializer(name + "/flat_shape", new long[] { -1, window.Channels }));
        _image = null;
        Width = window.Channels;
    }

    /// <summary>A 1-D pool's window: a sequence as a one-column image, pooled along its rows.</summary>
    private static void CheckColumn(string name, in Window2D window)
    {
        CheckName(name);
        if (window.Width != 1 || window.WindowWidth != 1 || window.StrideWidth != 1)
        {
            throw new ArgumentException($"Layer '{name}' pools a sequence: the window is a {window.Height}x1 image's, with a window and stride width of 1.", nameof(window));
        }
    }

    /// <summary>
    /// Adds a Keras LSTM layer (one direction, zero initial states) on a sequence: a <c>Reshape</c> to
    /// <c>[N, timesteps, features]</c> and a <c>Transpose</c> to ONNX's <c>[timesteps, N, features]</c>, ONNX's
    /// <c>LSTM</c>, then either its sequence output back to <c>[N, timesteps · units]</c> (return_sequences: a
    /// <c>Transpose</c> and a <c>Reshape</c>) or its last hidden state, reshaped to <c>[N, units]</c>.
    /// </summary>
    /// <remarks>Keras computes, per timestep, <c>z = x_t · kernel + h_{t-1} · recurrent_kernel + bias</c>,
    /// <c>i = ra(z_i)</c>, <c>f = ra(z_f)</c>, <c>g = a(z_c)</c>, <c>o = ra(z_o)</c>, <c>c_t = f · c_{t-1} + i · g</c>,
    /// <c>h_t = o · a(c_t)</c>, from <c>h = c = 0</c>; ONNX's LSTM is the same with its gates ordered i, o, f, c, its
    /// weights transposed and its activations (f, g, h) = (ra, a, a).</remarks>
    /// <param name="name">The Keras layer name (<c>lstm</c>, <c>lstm_1</c>), the <c>LSTM</c> node's name.</param>
    /// <param name="kernel">The kernel, <c>[features, 4 · units]</c> row-major, gate blocks i, f, c, o (Keras's layout).</param>
    /// <param name="recurrentKernel">The recurrent kernel, <c>[units, 4 · units]</c> row-major, gate blocks i, f, c, o.</param>
    /// <param name="bias">The bias, <c>[4 · units]</c>, gate blocks i, f, c, o, or empty for <c>use_bias = false</c>.</param>
    /// <param name="timesteps">Timesteps of the input sequence.</param>
    /// <param name="features">Features per timestep: <c>timesteps · features</c> is the current <see cref="Width"/>
    /// (sample-major: feature <c>f</c> of timestep <c>t</c> at <c>t · features + f</c>).</param>
    /// <param name="units">The layer's units.</param>
    /// <param name="activation">The activation of the cell input and of the cell state (Keras's <c>activation</c>).</param>
    /// <param name="recurrentActivation">The activation of the input, forget and output gates (Keras's <c>recurrent_activation</c>).</param>
    /// <param name="returnSequences">Whether the output is every timestep's hidden state, <c>[N, timesteps · units]</c>,
    /// rather than the last one, <c>[N, units]</c>.</param>
    /// <exception cref="NotSupportedException">An activation is gelu, swish or softmax, which ONNX's LSTM lacks.</exception>
    public void Lstm(
        string name, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrentKernel, ReadOnlySpan<float> bias,
        int timesteps, int features, int units, ActivationKind activation = ActivationKind.Tanh,
        ActivationKind recurrentActivation = ActivationKind.Sigmoid, bool returnSequences = false)
    {
        CheckName(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timesteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        if ((long)timesteps * features != Width)
        {
            throw new ArgumentException($"LSTM '{name}' takes {timesteps} timesteps of {features} features ({(long)timesteps * features} values), but the graph's output has {Width} values per sample.", nameof(features));
        }

        long gates = 4L * units;
        CheckLength(kernel.Length, features * gates, nameof(kernel), $"[{features}, {gates}]");
        CheckLength(recurrentKernel.Length, units * gates, nameof(recurrentKernel), $"[{units}, {gates}]");
        if (!bias.IsEmpty)
        {
            CheckLength(bias.Length, gates, nameof(bias), $"[{gates}] or empty");
        }

        if ((long)timesteps * units > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, $"LSTM '{name}': {timesteps} timesteps of {units} units are too many values per sample.");
        }

        // ONNX's f (the gates), g (the cell input) and h (the cell state's output).
        var onnxActivations = new[]
        {
            LstmActivation(name, recurrentActivation, nameof(recurrentActivation)),
            LstmActivation(name, activation, nameof(activation)),
            LstmActivation(name, activation, nameof(activation)),
        };

        // ONNX's gates i, o, f, c are Keras's blocks 0, 3, 1, 2; W[g·units + j, k] = kernel[k, block·units + j].
        int width = (int)gates;
        var w = new float[width * features];
        var r = new float[width * units];
        var b = bias.IsEmpty ? null : new float[2 * width];
        ReadOnlySpan<int> kerasBlocks = stackalloc int[] { 0, 3, 1, 2 };
        for (int gate = 0; gate < 4; gate++)
        {
            for (int j = 0; j < units; j++)
            {
                int row = gate * units + j, column = kerasBlocks[gate] * units + j;
                for (int k = 0; k < features; k++)
                {
                    w[row * features + k] = kernel[k * width + column];
                }

                for (int k = 0; k < units; k++)
                {
                    r[row * units + k] = recurrentKernel[k * width + column];
                }

                if (b is not null)
                {
                    b[row] = bias[column]; // Wb; Rb, the second half, stays zero.
                }
            }
        }

        var inputsOfLstm = new List<string>
        {
            string.Empty,
            AddInitializer(name + "/kernel", new long[] { 1, width, features }, w),
            AddInitializer(name + "/recurrent_kernel", new long[] { 1, width, units }, r),
        };
        if (b is not null)
        {
            inputsOfLstm.Add(AddInitializer(name + "/bias", new long[] { 1, 2 * width }, b));
        }

        var attributes = new List<Attribute>
        {
            Attribute.Of("hidden_size", (long)units),
            Attribute.Of("activations", new[] { onnxActivations[0].Name, onnxActivations[1].Name, onnxActivations[2].Name }),
        };
        if (ActivationParameters(onnxActivations[0].Alpha, onnxActivations[1].Alpha, onnxActivations[2].Alpha) is { } alphas)
        {
            attributes.Add(Attribute.Of("activation_alpha", alphas));
        }

        if (ActivationParameters(onnxActivations[0].Beta, onnxActivations[1].Beta, onnxActivations[2].Beta) is { } betas)
        {
            attributes.Add(Attribute.Of("activation_beta", betas));
        }

        // An image (NCHW) goes back to channels-last values first, as before a Dense.
        ToFlat(name + "/flatten");
        AddNode(name + "/to_sequence", "Reshape", _current, AddInitializer(name + "/sequence_shape", new long[] { -1, timesteps, features }));
        AddNode(name + "/to_time_major", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 1, 0, 2 }));
        inputsOfLstm[0] = _current;
        if (returnSequences)
        {
            // Y, [timesteps, 1, N, units], to [N, timesteps, 1, units], then flat.
            AddNode(name, "LSTM", inputsOfLstm.ToArray(), attributes.ToArray());
            AddNode(name + "/to_batch_major", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 2, 0, 1, 3 }));
            AddNode(name + "/sequences", "Reshape", _current, AddInitializer(name + "/sequences_shape", new long[] { -1, (long)timesteps * units }));
            Width = timesteps * units;
        }
        else
        {
            // Y_h (the second output, Y left unnamed), [1, N, units], to [N, units].
            AddNode(name, "LSTM", inputsOfLstm.ToArray(), attributes.ToArray(), outputIndex: 1);
            AddNode(name + "/last", "Reshape", _current, AddInitializer(name + "/last_shape", new long[] { -1, units }));
            Width = units;
        }
    }

    /// <summary>Adds a Keras Flatten layer: images go back from NCHW to channels-last order and become
    /// <c>[N, Width]</c>, the Reshape named after the layer; flat values are left alone.</summary>
    /// <param name="name">The Keras layer name.</param>
    public void Flatten(string name)
    {
        CheckName(name);
        ToFlat(name);
    }

    /// <summary>Adds a Keras Activation layer (linear adds nothing).</summary>
    /// <param name="name">The Keras layer name, the name of the activation's last node.</param>
    /// <param name="activation">The activation.</param>
    /// <param name="features">For a sequence or image, the values per position (softmax works along this last
    /// axis); <see langword="null"/> for a vector.</param>
    public void Activation(string name, ActivationKind activation, int? features = null)
    {
        CheckName(name);
        int perPosition = Features(features);
        if (_image is { } image && (activation != ActivationKind.Softmax || image.Channels == perPosition))
        {
            // On NCHW images: elementwise as it is, softmax along the channels (axis 1).
            if (activation == ActivationKind.Softmax)
            {
                AddNode(name, "Softmax", new[] { _current }, Attribute.Of("axis", 1));
            }
            else if (activation != ActivationKind.Linear)
            {
                AddActivation(name, activation);
            }

            return;
        }

        ToFlat(name);
        if (activation == ActivationKind.Softmax)
        {
            ToPositions(name, perPosition);
            AddActivation(name, activation);
            ToSamples(name, perPosition);
        }
        else if (activation != ActivationKind.Linear)
        {
            // Elementwise: the same on a sample's values in any shape.
            AddActivation(name, activation);
        }
    }

    /// <summary>The encoded ONNX model (<c>ModelProto</c>).</summary>
    /// <returns>The bytes of an <c>.onnx</c> file.</returns>
    public byte[] ToArray()
    {
        // An image output goes back to channels-last order, [N, Width], as Predict writes it.
        ToFlat("output");
        var graph = new ProtoMessageWriter();
        if (_nodes.Count == 0)
        {
            // Every layer is an identity at inference: the graph still computes y from x.
            graph.Message(GraphProtoField.Node, EncodeNode(new Node(OutputName, "Identity", new[] { InputName }, OutputName, Array.Empty<Attribute>()), OutputName));
        }

        for (int i = 0; i < _nodes.Count; i++)
        {
            graph.Message(GraphProtoField.Node, EncodeNode(_nodes[i], i == _nodes.Count - 1 ? OutputName : _nodes[i].Output));
        }

        graph.String(GraphProtoField.Name, _graphName);
        foreach (Tensor tensor in _initializers)
        {
            graph.Message(GraphProtoField.Initializer, EncodeTensor(tensor));
        }

        graph.Message(GraphProtoField.Input, EncodeValueInfo(InputName, _inputSize));
        graph.Message(GraphProtoField.Output, EncodeValueInfo(OutputName, Width));

        var opset = new ProtoMessageWriter()
            .String(OperatorSetIdProtoField.Domain, string.Empty)
            .Int64(OperatorSetIdProtoField.Version, OpsetVersion);
        return new ProtoMessageWriter()
            .Int64(ModelProtoField.IrVersion, IrVersion)
            .String(ModelProtoField.ProducerName, ProducerName)
            .String(ModelProtoField.ProducerVersion, ProducerVersion)
            .String(ModelProtoField.DocString, $"Inference graph of model '{_graphName}': BatchNormalization uses the moving statistics; Dropout is left out.")
            .Message(ModelProtoField.Graph, graph)
            .Message(ModelProtoField.OpsetImport, opset)
            .ToArray();
    }

    /// <summary>Writes the encoded ONNX model to <paramref name="stream"/>.</summary>
    /// <param name="stream">The destination.</param>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToArray());
        stream.Flush();
    }

    /// <summary>Creates or replaces the file at <paramref name="path"/> with what <paramref name="write"/> writes: the
    /// content goes to <c>path.tmp</c> first and replaces the file only once complete.</summary>
    /// <param name="path">The file.</param>
    /// <param name="write">Writes the content (a model's <c>ExportOnnx(Stream)</c>).</param>
    public static void WriteFile(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(file);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static string ProducerVersion { get; } =
        (typeof(OnnxGraphBuilder).Assembly.GetName().Version ?? new Version(0, 0, 0)).ToString(3);

    /// <summary>The activation's nodes on the current value; the last node is named <paramref name="name"/>.</summary>
    private void AddActivation(string name, ActivationKind activation)
    {
        string x = _current;
        switch (activation)
        {
            case ActivationKind.Relu: AddNode(name, "Relu", x); break;
            case ActivationKind.Tanh: AddNode(name, "Tanh", x); break;
            case ActivationKind.Sigmoid: AddNode(name, "Sigmoid", x); break;
            case ActivationKind.Softmax: AddNode(name, "Softmax", new[] { x }, Attribute.Of("axis", -1)); break;
            case ActivationKind.Elu: AddNode(name, "Elu", new[] { x }, Attribute.Of("alpha", 1f)); break;
            case ActivationKind.LeakyRelu: AddNode(name, "LeakyRelu", new[] { x }, Attribute.Of("alpha", 0.2f)); break;
            case ActivationKind.Selu: AddNode(name, "Selu", new[] { x }, Attribute.Of("alpha", SeluOperator.Alpha), Attribute.Of("gamma", SeluOperator.Scale)); break;
            case ActivationKind.Softplus: AddNode(name, "Softplus", x); break;
            case ActivationKind.HardSigmoid: AddNode(name, "HardSigmoid", new[] { x }, Attribute.Of("alpha", HardSigmoidOperator.Keras3Slope), Attribute.Of("beta", 0.5f)); break;
            case ActivationKind.HardSigmoidKeras2: AddNode(name, "HardSigmoid", new[] { x }, Attribute.Of("alpha", HardSigmoidOperator.Keras2Slope), Attribute.Of("beta", 0.5f)); break;
            case ActivationKind.Swish:
                AddNode(name + "/sigmoid", "Sigmoid", x);
                AddNode(name, "Mul", x, _current);
                break;
            case ActivationKind.Gelu:
                // The exact GELU, x Φ(x) = 0.5 · x · (1 + erf(x / √2)), as Keras computes it by default.
                AddNode(name + "/div", "Div", x, Scalar("gelu/sqrt2", MathF.Sqrt(2f)));
                AddNode(name + "/erf", "Erf", _current);
                AddNode(name + "/add", "Add", _current, Scalar("gelu/one", 1f));
                AddNode(name + "/mul", "Mul", x, _current);
                AddNode(name, "Mul", _current, Scalar("gelu/half", 0.5f));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>The ONNX LSTM activation of a Keras activation, with its alpha and beta where it takes them.</summary>
    private static (string Name, float? Alpha, float? Beta) LstmActivation(string layer, ActivationKind activation, string parameter) => activation switch
    {
        ActivationKind.Sigmoid => ("Sigmoid", null, null),
        ActivationKind.Tanh => ("Tanh", null, null),
        ActivationKind.Relu => ("Relu", null, null),
        ActivationKind.Elu => ("Elu", 1f, null),
        ActivationKind.LeakyRelu => ("LeakyRelu", 0.2f, null),
        ActivationKind.Linear => ("Affine", 1f, 0f),
        ActivationKind.Softplus => ("Softplus", null, null),
        ActivationKind.HardSigmoid => ("HardSigmoid", HardSigmoidOperator.Keras3Slope, 0.5f),
        ActivationKind.HardSigmoidKeras2 => ("HardSigmoid", HardSigmoidOperator.Keras2Slope, 0.5f),
        ActivationKind.Gelu or ActivationKind.Swish or ActivationKind.Softmax or ActivationKind.Selu =>
            throw new NotSupportedException($"LSTM '{layer}' has {parameter} {KerasName(activation)}, which ONNX's LSTM operator does not have."),
        _ => throw new ArgumentOutOfRangeException(parameter, activation, "Unknown activation."),
    };

    /// <summary>
    /// <c>activation_alpha</c> or <c>activation_beta</c> of an LSTM from the values of its three activations (null where
    /// one takes none); null when none takes one. ONNX says the values "are consumed in the order of activation
    /// functions": read as one value per activation (position i for activation i) by some runtimes, while ONNX Runtime
    /// hands them out in order to only the activations that take one. The list has one value per activation, and an
    /// activation that takes none gets the first value that one takes, so both readings give every activation its own
    /// value: the g and h activations are the same, so ONNX Runtime's k-th taker always finds its value at k.
    /// </summary>
    private static float[]? ActivationParameters(float? f, float? g, float? h)
    {
        float? first = f ?? g ?? h;
        return first is { } value ? new[] { f ?? value, g ?? value, h ?? value } : null;
    }

    /// <summary>The values per position: <paramref name="features"/>, which must divide <see cref="Width"/>, or the whole width.</summary>
    private int Features(int? features)
    {
        if (features is not int perPosition)
        {
            return Width;
        }

        if (perPosition <= 0 || Width % perPosition != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(features), perPosition, $"Features per position must divide the {Width} values per sample.");
        }

        return perPosition;
    }

    /// <summary>Makes the current value an NCHW image of the window's input shape: from <c>[N, Width]</c> (channels last)
    /// a <c>Reshape</c> to <c>[N, H, W, C]</c> and a <c>Transpose</c> to <c>[N, C, H, W]</c>; nothing when it is one already.</summary>
    private void ToImage(string name, in Window2D window)
    {
        if (_image is { } image)
        {
            if (image != (window.Height, window.Width, window.Channels))
            {
                throw new ArgumentException($"Layer '{name}' takes {window.Height}x{window.Width}x{window.Channels} images, but the graph's output is {image.Height}x{image.Width}x{image.Channels}.", nameof(window));
            }

            return;
        }

        if (window.InputSize != Width)
        {
            throw new ArgumentException($"Layer '{name}' takes {window.Height}x{window.Width}x{window.Channels} images ({window.InputSize} values), but the graph's output has {Width} values per sample.", nameof(window));
        }

        AddNode(name + "/to_nhwc_image", "Reshape", _current, AddInitializer(name + "/image_shape", new long[] { -1, window.Height, window.Width, window.Channels }));
        AddNode(name + "/to_nchw", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 0, 3, 1, 2 }));
        _image = (window.Height, window.Width, window.Channels);
    }

    /// <summary>Makes an NCHW image value flat again in channels-last order: <c>Transpose</c> to <c>[N, H, W, C]</c> and a
    /// <c>Reshape</c> (named <paramref name="name"/>) to <c>[N, Width]</c>; nothing when it is flat.</summary>
    private void ToFlat(string name)
    {
        if (_image is null)
        {
            return;
        }

        AddNode(name + "/to_nhwc", "Transpose", new[] { _current }, Attribute.Of("perm", new long[] { 0, 2, 3, 1 }));
        AddNode(name, "Reshape", _current, AddInitializer(name + "/flat_shape", new long[] { -1, Width }));
        _image = null;
    }

    /// <summary>Conv's and MaxPool's <c>kernel_shape</c>, <c>strides</c> and <c>pads</c> (begin, begin, end, end): zero for
    /// valid, TensorFlow's split for same (the smaller half before, the rest after).</summary>
    private static Attribute[] WindowAttributes(in Window2D window)
    {
        bool same = window.Padding == Padding.Same;
        int padBottom = WindowArithmetic.PadTotal(window.Height, window.OutputHeight, window.WindowHeight, window.StrideHeight, same) - window.PadTop;
        int padRight = WindowArithmetic.PadTotal(window.Width, window.OutputWidth, window.WindowWidth, window.StrideWidth, same) - window.PadLeft;

        return new[]
        {
            Attribute.Of("kernel_shape", new long[] { window.WindowHeight, window.WindowWidth }),
            Attribute.Of("strides", new long[] { window.StrideHeight, window.StrideWidth }),
            Attribute.Of("pads", new long[] { window.PadTop, window.PadLeft, padBottom, padRight }),
        };
    }

    /// <summary>AveragePool's window attributes and <c>count_include_pad = 0</c>: the padding is not counted (TensorFlow's).</summary>
    private static Attribute[] AveragePoolAttributes(in Window2D window)
    {
        Attribute[] window2D = WindowAttributes(window);
        var attributes = new Attribute[window2D.Length + 1];
        window2D.CopyTo(attributes, 0);
        attributes[^1] = Attribute.Of("count_include_pad", 0L);
        return attributes;
    }

    /// <summary>Reshapes <c>[N, Width]</c> to <c>[N · positions, features]</c> when a sample has several positions.</summary>
    private void ToPositions(string name, int features)
    {
        if (features != Width)
        {
            AddNode(name + "/to_positions", "Reshape", _current, AddInitializer(name + "/positions_shape", new long[] { -1, features }));
        }
    }

    /// <summary>Reshapes <c>[N · positions, features]</c> back to <c>[N, Width]</c> after <see cref="ToPositions"/>.</summary>
    private void ToSamples(string name, int features)
    {
        if (features != Width)
        {
            AddNode(name + "/to_samples", "Reshape", _current, AddInitializer(name + "/samples_shape", new long[] { -1, Width }));
        }
    }

    /// <summary>The name of a scalar initializer, added on first use and shared after.</summary>
    private string Scalar(string name, float value)
    {
        foreach (Tensor tensor in _initializers)
        {
            if (tensor.Name == name)
            {
                return name;
            }
        }

        return AddInitializer(name, Array.Empty<long>(), new[] { value });
    }

    private void AddNode(string name, string opType, params string[] inputs) => AddNode(name, opType, inputs, Array.Empty<Attribute>());

    private void AddNode(string name, string opType, string[] inputs, params Attribute[] attributes) => AddNode(name, opType, inputs, attributes, outputIndex: 0);

    /// <summary>Adds a node whose value is its output number <paramref name="outputIndex"/> (the ones before it unnamed).</summary>
    private void AddNode(string name, string opType, string[] inputs, Attribute[] attributes, int outputIndex)
    {
        Reserve(name);
        _nodes.Add(new Node(name, opType, inputs, name, attributes, outputIndex));
        _current = name;
    }

    private string AddInitializer(string name, long[] dims, ReadOnlySpan<float> values)
    {
        Reserve(name);
        var data = new byte[checked(values.Length * sizeof(float))];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * sizeof(float)), values[i]);
        }

        _initializers.Add(new Tensor(name, dims, TensorDataType.Float, data));
        return name;
    }

    /// <summary>A 1-D int64 initializer (a shape for <c>Reshape</c>).</summary>
    private string AddInitializer(string name, long[] values)
    {
        Reserve(name);
        var data = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * sizeof(long)), values[i]);
        }

        _initializers.Add(new Tensor(name, new long[] { values.Length }, TensorDataType.Int64, data));
        return name;
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The graph already has a value named '{name}'.", nameof(name));
        }
    }

    private static void CheckName(string name) => ArgumentException.ThrowIfNullOrEmpty(name);

    private static void CheckLength(long actual, long expected, string parameter, string shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{parameter} has {actual} values; {shape} needs {expected}.", parameter);
        }
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    private static string KerasName(ActivationKind activation) => activation switch
    {
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
        ActivationKind.HardSigmoidKeras2 => "hard_sigmoid_keras2",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private static ProtoMessageWriter EncodeNode(Node node, string output)
    {
        var message = new ProtoMessageWriter();
        foreach (string input in node.Inputs)
        {
            message.String(NodeProtoField.Input, input);
        }

        for (int i = 0; i < node.OutputIndex; i++)
        {
            // An optional output left out: ONNX's empty name.
            message.String(NodeProtoField.Output, string.Empty);
        }

        message.String(NodeProtoField.Output, output)
            .String(NodeProtoField.Name, node.Name)
            .String(NodeProtoField.OpType, node.OpType);
        foreach (Attribute attribute in node.Attributes)
        {
            var encoded = new ProtoMessageWriter().String(AttributeProtoField.Name, attribute.Name);
            if (attribute.Type == AttributeType.Float)
            {
                encoded.Float(AttributeProtoField.F, attribute.Float);
            }
            else if (attribute.Type == AttributeType.Floats)
            {
                foreach (float value in attribute.Floats!)
                {
                    encoded.Float(AttributeProtoField.Floats, value);
                }
            }
            else if (attribute.Type == AttributeType.Ints)
            {
                foreach (long value in attribute.Ints!)
                {
                    encoded.Int64(AttributeProtoField.Ints, value);
                }
            }
            else if (attribute.Type == AttributeType.Strings)
            {
                foreach (string value in attribute.Strings!)
                {
                    encoded.String(AttributeProtoField.Strings, value);
                }
            }
            else
            {
                encoded.Int64(AttributeProtoField.I, attribute.Int);
            }

            encoded.Int32(AttributeProtoField.Type, attribute.Type);
            message.Message(NodeProtoField.Attribute, encoded);
        }

        return message;
    }

    private static ProtoMessageWriter EncodeTensor(Tensor tensor)
    {
        var message = new ProtoMessageWriter();
        foreach (long dim in tensor.Dims)
        {
            message.Int64(TensorProtoField.Dims, dim);
        }

        return message.Int32(TensorProtoField.DataType, tensor.DataType)
            .String(TensorProtoField.Name, tensor.Name)
            .Bytes(TensorProtoField.RawData, tensor.Data);
    }

    /// <summary>A float32 <c>[batch, features]</c> value.</summary>
    private static ProtoMessageWriter EncodeValueInfo(string name, int features)
    {
        var shape = new ProtoMessageWriter()
            .Message(TensorShapeProtoField.Dim, new ProtoMessageWriter().String(TensorShapeProtoField.DimParam, BatchDimension))
            .Message(TensorShapeProtoField.Dim, new ProtoMessageWriter().Int64(TensorShapeProtoField.DimValue, features));
        var tensorType = new ProtoMessageWriter()
            .Int32(TypeProtoField.TensorElemType, TensorDataType.Float)
            .Message(TypeProtoField.TensorShape, shape);
        return new ProtoMessageWriter()
            .String(ValueInfoProtoField.Name, name)
            .Message(ValueInfoProtoField.Type, new ProtoMessageWriter().Message(TypeProtoField.TensorType, tensorType));
    }

    /// <summary>A node whose value, <see cref="Output"/>, is its output number <see cref="OutputIndex"/>.</summary>
    private sealed record Node(string Name, string OpType, string[] Inputs, string Output, Attribute[] Attributes, int OutputIndex = 0);

    private sealed record Tensor(string Name, long[] Dims, int DataType, byte[] Data);

    private readonly record struct Attribute(string Name, int Type, long Int, float Float, long[]? Ints = null, float[]? Floats = null, string[]? Strings = null)
    {
        public static Attribute Of(string name, long value) => new(name, AttributeType.Int, value, 0f);

        public static Attribute Of(string name, float value) => new(name, AttributeType.Float, 0, value);

        public static Attribute Of(string name, long[] values) => new(name, AttributeType.Ints, 0, 0f, values);

        public static Attribute Of(string name, float[] values) => new(name, AttributeType.Floats, 0, 0f, Floats: values);

        public static Attribute Of(string name, string[] values) => new(name, AttributeType.Strings, 0, 0f, Strings: values);
    }
}
