using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ModelGen.Benchmarks;

/// <summary>
/// TorchSharp (libtorch on CPU) as a PyTorch user writes the model: nn.Sequential of Linear, BatchNorm1d (eps 1e-3,
/// momentum 0.01: PyTorch's momentum is 1 − Keras's), activations and Dropout; the output's sigmoid/softmax fused
/// into the loss for training (BCEWithLogitsLoss, CrossEntropyLoss) and applied for inference; torch.optim.SGD
/// (same updates as Keras's for a constant learning rate). The batch's tensors are made once in <see cref="Bind"/>.
/// </summary>
public sealed class TorchNet : INet
{
    private readonly ModelSpec _spec;
    private readonly Sequential _body;
    private readonly Act _outputActivation;
    private readonly Module<Tensor, Tensor, Tensor> _loss;
    private readonly optim.Optimizer _optimizer;
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
        var linears = new List<Linear>();
        var norms = new List<BatchNorm1d>();
        var order = new List<Module>();
        int width = spec.InputSize;
        for (int i = 0; i < spec.Layers.Length; i++)
        {
            bool last = i == spec.Layers.Length - 1;
            switch (spec.Layers[i])
            {
                case DenseSpec dense:
                    Linear linear = nn.Linear(width, dense.Units);
                    linears.Add(linear);
                    order.Add(linear);
                    modules.Add(($"dense{i}", linear));
                    if (!last)
                    {
                        AddActivation(modules, dense.Activation, i);
                    }

                    width = dense.Units;
                    break;
                case BatchNormSpec bn:
                    BatchNorm1d norm = nn.BatchNorm1d(width, eps: bn.Epsilon, momentum: 1 - bn.Momentum);
                    norms.Add(norm);
                    order.Add(norm);
                    modules.Add(($"bn{i}", norm));
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
        SetWeights(order, kerasWeights);
        _optimizer = optim.SGD(_body.parameters(), spec.LearningRate, spec.Momentum);
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

    /// <summary>Keras's weights (kernel [in, out], bias; gamma, beta, moving mean, moving variance) into the modules.</summary>
    private static void SetWeights(List<Module> order, float[][] weights)
    {
        using var noGrad = torch.no_grad();
        int index = 0;
        foreach (Module module in order)
        {
            if (module is Linear linear)
            {
                long inputs = linear.weight!.shape[1], outputs = linear.weight.shape[0];
                using Tensor kernel = torch.tensor(weights[index++], [inputs, outputs]);
                using Tensor transposed = kernel.t();
                linear.weight.copy_(transposed);
                using Tensor bias = torch.tensor(weights[index++]);
                linear.bias!.copy_(bias);
            }
            else if (module is BatchNorm1d norm)
            {
                Copy(norm.weight!, weights[index++]);
                Copy(norm.bias!, weights[index++]);
                Copy(norm.running_mean!, weights[index++]);
                Copy(norm.running_var!, weights[index++]);
            }
        }

        if (index != weights.Length)
        {
            throw new ArgumentException($"{weights.Length} weights, used {index}");
        }

        static void Copy(Tensor target, float[] values)
        {
            using Tensor source = torch.tensor(values);
            target.copy_(source);
        }
    }

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        _x?.Dispose();
        _labels?.Dispose();
        _x = torch.tensor(x, [batch, _spec.InputSize]);
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
