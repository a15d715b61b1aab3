using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ModelGen.Benchmarks;

/// <summary>
/// TorchSharp (libtorch on CPU) as a PyTorch user writes the model: nn.Sequential of Linear, BatchNorm1d (eps 1e-3,
/// momentum 0.01: PyTorch's momentum is 1 − Keras's), activations and Dropout; for a CNN, Conv2d (padding k/2, as
/// Keras's "same"), BatchNorm2d, MaxPool2d and Flatten on NCHW inputs; for an LSTM, nn.LSTM (batch_first) on
/// [N, timesteps, features] inputs, its last step's output taken (<see cref="LastStepLstm"/>); the output's sigmoid/softmax fused into the loss
/// for training (BCEWithLogitsLoss, CrossEntropyLoss) and applied for inference; torch.optim.SGD (same updates as
/// Keras's for a constant learning rate). The batch's tensors are made once in <see cref="Bind"/>.
/// </summary>
public sealed class TorchNet : INet
{
    private readonly ModelSpec _spec;
    private readonly Sequential _body;
    private readonly Act _outputActivation;
    private readonly Module<Tensor, Tensor, Tensor> _loss;
    private readonly optim.Optimizer _optimizer;
    private readonly List<Module> _order;
    private readonly Dictionary<Linear, ImageShape> _flattened;
    private Tensor? _x;
    private Tensor? _labels;

    /// <param name="threads">torch.set_num_threads: 1, or the machine's cores.</param>
    public TorchNet(ModelSpec spec, float[][] kerasWeights, int threads)
    {
        if (TorchSharpLoader.Failure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        torch.set_num_threads(threads);
        torch.manual_seed(1);
        _spec = spec;
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        var order = new List<Module>();
        // The first Linear after a Flatten reads its inputs in PyTorch's (c, h, w) order, Keras's kernel in (h, w, c).
        var flattened = new Dictionary<Linear, ImageShape>();
        ImageShape? image = spec.Image, flattenedImage = null;
        int width = spec.InputSize;
        for (int i = 0; i < spec.Layers.Length; i++)
        {
            bool last = i == spec.Layers.Length - 1;
            switch (spec.Layers[i])
            {
                case DenseSpec dense:
                    Linear linear = nn.Linear(width, dense.Units);
                    if (flattenedImage is not null)
                    {
                        flattened[linear] = flattenedImage;
                        flattenedImage = null;
                    }

                    order.Add(linear);
                    modules.Add(($"dense{i}", linear));
                    if (!last)
                    {
                        AddActivation(modules, dense.Activation, i);
                    }

                    width = dense.Units;
                    break;
                case Conv2DSpec conv:
                    Conv2d conv2d = nn.Conv2d(image!.Channels, conv.Filters, conv.KernelSize, padding: conv.KernelSize / 2);
                    order.Add(conv2d);
                    modules.Add(($"conv{i}", conv2d));
                    image = image with { Channels = conv.Filters };
                    break;
                case BatchNormSpec bn when image is not null:
                    BatchNorm2d norm2d = nn.BatchNorm2d(image.Channels, eps: bn.Epsilon, momentum: 1 - bn.Momentum);
                    order.Add(norm2d);
                    modules.Add(($"bn{i}", norm2d));
                    break;
                case BatchNormSpec bn:
                    BatchNorm1d norm = nn.BatchNorm1d(width, eps: bn.Epsilon, momentum: 1 - bn.Momentum);
                    order.Add(norm);
                    modules.Add(($"bn{i}", norm));
                    break;
                case MaxPoolSpec pool:
                    modules.Add(($"pool{i}", nn.MaxPool2d(pool.PoolSize)));
                    image = image! with { Height = image.Height / pool.PoolSize, Width = image.Width / pool.PoolSize };
                    break;
                case FlattenSpec:
                    modules.Add(($"flatten{i}", nn.Flatten()));
                    flattenedImage = image;
                    width = image!.Height * image.Width * image.Channels;
                    image = null;
                    break;
                case LstmSpec lstm:
                    var recurrent = new LastStepLstm(spec.Sequence!.Features, lstm.Units, $"lstm{i}");
                    order.Add(recurrent);
                    modules.Add(($"lstm{i}", recurrent));
                    width = lstm.Units;
                    break;
                case ActivationSpec activation when !last:
                    AddActivation(modules, activation.Activation, i);
                    break;
                case DropoutSpec dropout:
                    modules.Add(($"dropout{i}", nn.Dropout(dropout.Rate)));
                    break;
            }
        }

        _outputActivation = spec.Layers[^1] switch
        {
            DenseSpec dense => dense.Activation,
            ActivationSpec activation => activation.Activation,
            _ => Act.Linear,
        };
        _body = nn.Sequential(modules);
        _loss = spec.Loss == LossKind.BinaryCrossentropy ? nn.BCEWithLogitsLoss() : nn.CrossEntropyLoss();
        SetWeights(order, flattened, kerasWeights);
        _order = order;
        _flattened = flattened;
        // Only what trains: the LSTM's bias_hh stays zero (Keras has one bias; see LastStepLstm).
        _optimizer = optim.SGD(_body.parameters().Where(p => p.requires_grad), spec.LearningRate, spec.Momentum);
    }

    public float[] Output { get; private set; } = [];

    private static void AddActivation(List<(string, Module<Tensor, Tensor>)> modules, Act activation, int index)
    {
        switch (activation)
        {
            case Act.Relu:
                modules.Add(($"relu{index}", nn.ReLU()));
                break;
            case Act.Tanh:
                modules.Add(($"tanh{index}", nn.Tanh()));
                break;
            case Act.Sigmoid:
                modules.Add(($"sigmoid{index}", nn.Sigmoid()));
                break;
            case Act.Softmax:
                modules.Add(($"softmax{index}", nn.Softmax(1)));
                break;
        }
    }

    /// <summary>Keras's weights (kernel [in, out] or [kh, kw, in, out], bias; gamma, beta, moving mean, moving variance)
    /// into the modules; <paramref name="flattened"/>: the image each Linear after a Flatten reads.</summary>
    private static void SetWeights(List<Module> order, Dictionary<Linear, ImageShape> flattened, float[][] weights)
    {
        using var noGrad = torch.no_grad();
        using DisposeScope scope = torch.NewDisposeScope();
        int index = 0;
        foreach (Module module in order)
        {
            switch (module)
            {
                case Linear linear:
                    long inputs = linear.weight!.shape[1], outputs = linear.weight.shape[0];
                    Tensor kernel = torch.tensor(weights[index++], [inputs, outputs]);
                    if (flattened.TryGetValue(linear, out ImageShape? image))
                    {
                        // Rows in Keras's (h, w, c) order to PyTorch's (c, h, w).
                        kernel = kernel.reshape(image.Height, image.Width, image.Channels, outputs).permute(2, 0, 1, 3).reshape(inputs, outputs);
                    }

                    linear.weight.copy_(kernel.t());
                    linear.bias!.copy_(torch.tensor(weights[index++]));
                    break;
                case Conv2d conv:
                    // [out, in, kh, kw] from Keras's [kh, kw, in, out].
                    long[] shape = conv.weight!.shape;
                    Tensor filters = torch.tensor(weights[index++], [shape[2], shape[3], shape[1], shape[0]]);
                    conv.weight.copy_(filters.permute(3, 2, 0, 1));
                    conv.bias!.copy_(torch.tensor(weights[index++]));
                    break;
                case LastStepLstm lstm:
                    // weight_ih [4u, F] = kernelᵀ, weight_hh [4u, u] = recurrentᵀ (PyTorch's gate rows i, f, g, o are
                    // Keras's column blocks i, f, c, o), bias_ih = Keras's bias, bias_hh = 0.
                    long units = lstm.Units, features = lstm.Features;
                    lstm.WeightIh.copy_(torch.tensor(weights[index++], [features, 4 * units]).t());
                    lstm.WeightHh.copy_(torch.tensor(weights[index++], [units, 4 * units]).t());
                    lstm.BiasIh.copy_(torch.tensor(weights[index++]));
                    lstm.BiasHh.zero_();
                    break;
                case BatchNorm1d norm:
                    CopyNorm(norm.weight!, norm.bias!, norm.running_mean!, norm.running_var!);
                    break;
                case BatchNorm2d norm:
                    CopyNorm(norm.weight!, norm.bias!, norm.running_mean!, norm.running_var!);
                    break;
            }
        }

        if (index != weights.Length)
        {
            throw new ArgumentException($"{weights.Length} weights, used {index}");
        }

        void CopyNorm(Tensor gamma, Tensor beta, Tensor movingMean, Tensor movingVariance)
        {
            foreach (Tensor target in new[] { gamma, beta, movingMean, movingVariance })
            {
                target.copy_(torch.tensor(weights[index++]));
            }
        }
    }

    /// <summary>
    /// The weights in Keras's <c>get_weights()</c> order and layouts (the inverse of <see cref="SetWeights"/>), for the
    /// self-check after a training step: a Linear's kernel [in, out] (rows back to (h, w, c) after a Flatten), a Conv2d's
    /// [kh, kw, in, out], an LSTM's kernel, recurrent kernel and bias (bias_ih + bias_hh), BatchNorm's gamma, beta,
    /// running mean and running variance.
    /// </summary>
    public float[][] GetWeights()
    {
        using var noGrad = torch.no_grad();
        using DisposeScope scope = torch.NewDisposeScope();
        var weights = new List<float[]>();
        foreach (Module module in _order)
        {
            switch (module)
            {
                case Linear linear:
                    Tensor kernel = linear.weight!.t();
                    if (_flattened.TryGetValue(linear, out ImageShape? image))
                    {
                        // Rows in PyTorch's (c, h, w) order back to Keras's (h, w, c).
                        long outputs = kernel.shape[1];
                        kernel = kernel.reshape(image.Channels, image.Height, image.Width, outputs).permute(1, 2, 0, 3);
                    }

                    Add(kernel);
                    Add(linear.bias!);
                    break;
                case Conv2d conv:
                    Add(conv.weight!.permute(2, 3, 1, 0));
                    Add(conv.bias!);
                    break;
                case LastStepLstm lstm:
                    Add(lstm.WeightIh.t());
                    Add(lstm.WeightHh.t());
                    Add(lstm.BiasIh + lstm.BiasHh);
                    break;
                case BatchNorm1d norm:
                    Add(norm.weight!, norm.bias!, norm.running_mean!, norm.running_var!);
                    break;
                case BatchNorm2d norm:
                    Add(norm.weight!, norm.bias!, norm.running_mean!, norm.running_var!);
                    break;
            }
        }

        return weights.ToArray();

        void Add(params Tensor[] tensors)
        {
            foreach (Tensor tensor in tensors)
            {
                weights.Add(tensor.contiguous().data<float>().ToArray());
            }
        }
    }

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        _x?.Dispose();
        _labels?.Dispose();
        if (_spec.Image is { } image)
        {
            // ModelGen's channels-last images to PyTorch's NCHW.
            using Tensor nhwc = torch.tensor(x, [batch, image.Height, image.Width, image.Channels]);
            _x = nhwc.permute(0, 3, 1, 2).contiguous();
        }
        else if (_spec.Sequence is { } sequence)
        {
            // ModelGen's [N, timesteps · features] (sample-major, then time-major) is batch_first's [N, T, F].
            _x = torch.tensor(x, [batch, sequence.Timesteps, sequence.Features]);
        }
        else
        {
            _x = torch.tensor(x, [batch, _spec.InputSize]);
        }
        if (_spec.Loss == LossKind.BinaryCrossentropy)
        {
            _labels = torch.tensor(labels, [batch, 1]);
        }
        else
        {
            var classes = new long[batch];
            for (int i = 0; i < batch; i++)
            {
                classes[i] = (long)labels[i];
            }

            _labels = torch.tensor(classes);
        }

        Output = new float[batch * _spec.OutputSize];
        _body.train(training);
    }

    public float TrainStep()
    {
        using DisposeScope scope = torch.NewDisposeScope();
        _optimizer.zero_grad();
        Tensor logits = _body.forward(_x!);
        Tensor loss = _loss.forward(logits, _labels!);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Predict()
    {
        using var noGrad = torch.no_grad();
        using DisposeScope scope = torch.NewDisposeScope();
        Tensor logits = _body.forward(_x!);
        Tensor output = _outputActivation switch
        {
            Act.Sigmoid => torch.sigmoid(logits),
            Act.Softmax => torch.softmax(logits, 1),
            _ => logits,
        };
        output.data<float>().CopyTo(Output);
    }

    public void Dispose()
    {
        _x?.Dispose();
        _labels?.Dispose();
        _optimizer.Dispose();
        _loss.Dispose();
        _body.Dispose();
    }
}

/// <summary>
/// nn.LSTM (one layer, batch_first) followed by its last step's output, [N, units], as a module that nn.Sequential
/// takes (Keras's LSTM with return_sequences=false). PyTorch has two biases per gate row, bias_ih and bias_hh, Keras one:
/// bias_ih carries Keras's bias and bias_hh stays zero and frozen (requires_grad false, and left out of the optimizer),
/// since two trained biases would each take the whole bias gradient and move the effective bias twice as far per SGD step.
/// </summary>
public sealed class LastStepLstm : Module<Tensor, Tensor>
{
    private readonly LSTM lstm;

    public LastStepLstm(int features, int units, string name)
        : base(name)
    {
        Features = features;
        Units = units;
        lstm = nn.LSTM(features, units, numLayers: 1, bias: true, batchFirst: true);
        RegisterComponents();
        Dictionary<string, Parameter> parameters = lstm.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        WeightIh = parameters["weight_ih_l0"];
        WeightHh = parameters["weight_hh_l0"];
        BiasIh = parameters["bias_ih_l0"];
        BiasHh = parameters["bias_hh_l0"];
        BiasHh.requires_grad = false;
    }

    public int Features { get; }

    public int Units { get; }

    /// <summary>[4u, features], gate rows i, f, g, o.</summary>
    public Parameter WeightIh { get; }

    /// <summary>[4u, units], gate rows i, f, g, o.</summary>
    public Parameter WeightHh { get; }

    public Parameter BiasIh { get; }

    /// <summary>Zero and frozen.</summary>
    public Parameter BiasHh { get; }

    public override Tensor forward(Tensor input)
    {
        (Tensor output, Tensor h, Tensor c) = lstm.call(input, null);
        output.Dispose();
        c.Dispose();
        // h_n is [layers, N, units]: the last step's h of the one layer.
        return h[0];
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lstm.Dispose();
        }

        base.Dispose(disposing);
    }
}
