using System;
using System.Collections.Generic;

namespace ModelGen.Benchmarks;

/// <summary>
/// The hand-written baseline: what a .NET user writes without a library. One class for any stack of Dense,
/// BatchNormalization, activation and dropout layers, interpreting its layer list at run time, with straightforward
/// loops over float arrays (each inner loop runs over contiguous memory; no SIMD, no fusion, no unsafe code), Keras's
/// semantics and SGD. Checked against the generated classes at start-up (SelfCheck).
/// </summary>
public sealed class PlainNet : INet
{
    private readonly ModelSpec _spec;
    private readonly List<Layer> _layers = new();
    private float[] _x = [];
    private float[] _labels = [];
    private float[] _lossGradient = [];
    private int _batch;

    public PlainNet(ModelSpec spec, float[][] kerasWeights, int seed = 0)
    {
        _spec = spec;
        var random = new Random(seed);
        int width = spec.InputSize;
        foreach (LayerSpec layer in spec.Layers)
        {
            switch (layer)
            {
                case DenseSpec dense:
                    _layers.Add(new Dense(width, dense.Units));
                    if (dense.Activation != Act.Linear)
                    {
                        _layers.Add(new Activation(dense.Units, dense.Activation));
                    }

                    width = dense.Units;
                    break;
                case BatchNormSpec bn:
                    _layers.Add(new BatchNorm(width, bn.Momentum, bn.Epsilon));
                    break;
                case ActivationSpec activation:
                    _layers.Add(new Activation(width, activation.Activation));
                    break;
                case DropoutSpec dropout:
                    _layers.Add(new Dropout(width, dropout.Rate, random.Next()));
                    break;
            }
        }

        if (_layers[^1] is not Activation { Kind: Act.Sigmoid or Act.Softmax })
        {
            throw new NotSupportedException("the last layer must be a sigmoid or softmax activation");
        }

        SetWeights(kerasWeights);
    }

    public float[] Output { get; private set; } = [];

    /// <summary>Weights in Keras's order (dense kernel [in, out], bias; BN gamma, beta, moving mean, moving variance).</summary>
    public void SetWeights(float[][] weights)
    {
        int index = 0;
        foreach (Layer layer in _layers)
        {
            foreach (float[] tensor in layer.Weights())
            {
                if (weights[index].Length != tensor.Length)
                {
                    throw new ArgumentException($"weight {index}: {weights[index].Length} values, expected {tensor.Length}");
                }

                weights[index++].CopyTo(tensor, 0);
            }
        }

        if (index != weights.Length)
        {
            throw new ArgumentException($"{weights.Length} weights, expected {index}");
        }
    }

    public float[][] GetWeights()
    {
        var weights = new List<float[]>();
        foreach (Layer layer in _layers)
        {
            foreach (float[] tensor in layer.Weights())
            {
                weights.Add((float[])tensor.Clone());
            }
        }

        return weights.ToArray();
    }

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        _x = x;
        _labels = labels;
        _batch = batch;
        foreach (Layer layer in _layers)
        {
            layer.Allocate(batch);
        }

        _lossGradient = new float[batch * _spec.OutputSize];
        Output = new float[batch * _spec.OutputSize];
    }

    public void Predict()
    {
        float[] input = _x;
        foreach (Layer layer in _layers)
        {
            layer.Forward(input, _batch, training: false);
            input = layer.Y;
        }

        Array.Copy(input, Output, _batch * _spec.OutputSize);
    }

    public float TrainStep()
    {
        int n = _batch;
        float[] input = _x;
        foreach (Layer layer in _layers)
        {
            layer.Forward(input, n, training: true);
            input = layer.Y;
        }

        // The loss with Keras's clipping, and its gradient with respect to the last activation's input: (p - y) / n.
        float[] p = input;
        int classes = _spec.OutputSize;
        double loss = 0;
        for (int r = 0; r < n; r++)
        {
            if (_spec.Loss == LossKind.BinaryCrossentropy)
            {
                float prob = Math.Clamp(p[r], 1e-7f, 1 - 1e-7f);
                float label = _labels[r];
                loss -= label * Math.Log(prob) + (1 - label) * Math.Log(1 - prob);
                _lossGradient[r] = (p[r] - label) / n;
            }
            else
            {
                int label = (int)_labels[r];
                loss -= Math.Log(Math.Clamp(p[r * classes + label], 1e-7f, 1 - 1e-7f));
                for (int j = 0; j < classes; j++)
                {
                    _lossGradient[r * classes + j] = (p[r * classes + j] - (j == label ? 1f : 0f)) / n;
                }
            }
        }

        // Backward, last layer first; the last activation's gradient is the loss gradient above.
        float[] delta = _lossGradient;
        for (int i = _layers.Count - 2; i >= 0; i--)
        {
            float[] layerInput = i == 0 ? _x : _layers[i - 1].Y;
            _layers[i].Backward(layerInput, delta, n, needInputGradient: i > 0);
            delta = _layers[i].Dx;
        }

        foreach (Layer layer in _layers)
        {
            layer.Update(_spec.LearningRate, _spec.Momentum);
        }

        return (float)(loss / n);
    }

    public void Dispose()
    {
    }

    private abstract class Layer(int inputs, int outputs)
    {
        public int In { get; } = inputs;

        public int Out { get; } = outputs;

        public float[] Y { get; private set; } = [];

        public float[] Dx { get; private set; } = [];

        public virtual void Allocate(int batch)
        {
            Y = new float[batch * Out];
            Dx = new float[batch * In];
        }

        public abstract void Forward(float[] x, int n, bool training);

        public abstract void Backward(float[] x, float[] dy, int n, bool needInputGradient);

        public virtual IEnumerable<float[]> Weights() => [];

        public virtual void Update(float learningRate, float momentum)
        {
        }

        /// <summary>Keras's SGD: v = momentum * v - lr * g; w += v.</summary>
        protected static void Sgd(float[] w, float[] g, float[] v, float learningRate, float momentum)
        {
            for (int i = 0; i < w.Length; i++)
            {
                v[i] = momentum * v[i] - learningRate * g[i];
                w[i] += v[i];
            }
        }
    }

    private sealed class Dense(int inputs, int outputs) : Layer(inputs, outputs)
    {
        private readonly float[] _w = new float[inputs * outputs];
        private readonly float[] _b = new float[outputs];
        private readonly float[] _dw = new float[inputs * outputs];
        private readonly float[] _db = new float[outputs];
        private readonly float[] _vw = new float[inputs * outputs];
        private readonly float[] _vb = new float[outputs];

        public override IEnumerable<float[]> Weights() => [_w, _b];

        public override void Forward(float[] x, int n, bool training)
        {
            float[] y = Y;
            for (int r = 0; r < n; r++)
            {
                int yRow = r * Out;
                for (int j = 0; j < Out; j++)
                {
                    y[yRow + j] = _b[j];
                }

                for (int i = 0; i < In; i++)
                {
                    float xv = x[r * In + i];
                    int wRow = i * Out;
                    for (int j = 0; j < Out; j++)
                    {
                        y[yRow + j] += xv * _w[wRow + j];
                    }
                }
            }
        }

        public override void Backward(float[] x, float[] dy, int n, bool needInputGradient)
        {
            Array.Clear(_dw);
            Array.Clear(_db);
            for (int r = 0; r < n; r++)
            {
                int dyRow = r * Out;
                for (int j = 0; j < Out; j++)
                {
                    _db[j] += dy[dyRow + j];
                }

                for (int i = 0; i < In; i++)
                {
                    float xv = x[r * In + i];
                    int wRow = i * Out;
                    for (int j = 0; j < Out; j++)
                    {
                        _dw[wRow + j] += xv * dy[dyRow + j];
                    }
                }
            }

            if (!needInputGradient)
            {
                return;
            }

            float[] dx = Dx;
            for (int r = 0; r < n; r++)
            {
                int dyRow = r * Out;
                for (int i = 0; i < In; i++)
                {
                    int wRow = i * Out;
                    float sum = 0;
                    for (int j = 0; j < Out; j++)
                    {
                        sum += dy[dyRow + j] * _w[wRow + j];
                    }

                    dx[r * In + i] = sum;
                }
            }
        }

        public override void Update(float learningRate, float momentum)
        {
            Sgd(_w, _dw, _vw, learningRate, momentum);
            Sgd(_b, _db, _vb, learningRate, momentum);
        }
    }

    private sealed class BatchNorm(int features, float momentum, float epsilon) : Layer(features, features)
    {
        private readonly float[] _gamma = new float[features];
        private readonly float[] _beta = new float[features];
        private readonly float[] _movingMean = new float[features];
        private readonly float[] _movingVariance = new float[features];
        private readonly float[] _mean = new float[features];
        private readonly float[] _inverseStd = new float[features];
        private readonly float[] _dGamma = new float[features];
        private readonly float[] _dBeta = new float[features];
        private readonly float[] _vGamma = new float[features];
        private readonly float[] _vBeta = new float[features];
        private float[] _xhat = [];

        public override IEnumerable<float[]> Weights() => [_gamma, _beta, _movingMean, _movingVariance];

        public override void Allocate(int batch)
        {
            base.Allocate(batch);
            _xhat = new float[batch * In];
        }

        public override void Forward(float[] x, int n, bool training)
        {
            int f = In;
            float[] y = Y;
            if (!training)
            {
                for (int r = 0; r < n; r++)
                {
                    for (int j = 0; j < f; j++)
                    {
                        float inverseStd = 1f / MathF.Sqrt(_movingVariance[j] + epsilon);
                        y[r * f + j] = _gamma[j] * (x[r * f + j] - _movingMean[j]) * inverseStd + _beta[j];
                    }
                }

                return;
            }

            Array.Clear(_mean);
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < f; j++)
                {
                    _mean[j] += x[r * f + j];
                }
            }

            for (int j = 0; j < f; j++)
            {
                _mean[j] /= n;
                _inverseStd[j] = 0;
            }

            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < f; j++)
                {
                    float d = x[r * f + j] - _mean[j];
                    _inverseStd[j] += d * d;
                }
            }

            for (int j = 0; j < f; j++)
            {
                float variance = _inverseStd[j] / n;
                _movingMean[j] = _movingMean[j] * momentum + _mean[j] * (1 - momentum);
                _movingVariance[j] = _movingVariance[j] * momentum + variance * (1 - momentum);
                _inverseStd[j] = 1f / MathF.Sqrt(variance + epsilon);
            }

            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < f; j++)
                {
                    float xhat = (x[r * f + j] - _mean[j]) * _inverseStd[j];
                    _xhat[r * f + j] = xhat;
                    y[r * f + j] = _gamma[j] * xhat + _beta[j];
                }
            }
        }

        public override void Backward(float[] x, float[] dy, int n, bool needInputGradient)
        {
            int f = In;
            Array.Clear(_dGamma);
            Array.Clear(_dBeta);
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < f; j++)
                {
                    _dGamma[j] += dy[r * f + j] * _xhat[r * f + j];
                    _dBeta[j] += dy[r * f + j];
                }
            }

            if (!needInputGradient)
            {
                return;
            }

            float[] dx = Dx;
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < f; j++)
                {
                    dx[r * f + j] = _gamma[j] * _inverseStd[j] / n
                        * (n * dy[r * f + j] - _dBeta[j] - _xhat[r * f + j] * _dGamma[j]);
                }
            }
        }

        public override void Update(float learningRate, float momentum)
        {
            Sgd(_gamma, _dGamma, _vGamma, learningRate, momentum);
            Sgd(_beta, _dBeta, _vBeta, learningRate, momentum);
        }
    }

    private sealed class Activation(int features, Act kind) : Layer(features, features)
    {
        public Act Kind { get; } = kind;

        public override void Forward(float[] x, int n, bool training)
        {
            float[] y = Y;
            int count = n * In;
            switch (Kind)
            {
                case Act.Linear:
                    Array.Copy(x, y, count);
                    break;
                case Act.Relu:
                    for (int i = 0; i < count; i++)
                    {
                        y[i] = x[i] > 0 ? x[i] : 0;
                    }

                    break;
                case Act.Tanh:
                    for (int i = 0; i < count; i++)
                    {
                        y[i] = MathF.Tanh(x[i]);
                    }

                    break;
                case Act.Sigmoid:
                    for (int i = 0; i < count; i++)
                    {
                        y[i] = 1f / (1f + MathF.Exp(-x[i]));
                    }

                    break;
                case Act.Softmax:
                    for (int r = 0; r < n; r++)
                    {
                        int row = r * In;
                        float max = float.NegativeInfinity;
                        for (int j = 0; j < In; j++)
                        {
                            max = MathF.Max(max, x[row + j]);
                        }

                        float sum = 0;
                        for (int j = 0; j < In; j++)
                        {
                            y[row + j] = MathF.Exp(x[row + j] - max);
                            sum += y[row + j];
                        }

                        for (int j = 0; j < In; j++)
                        {
                            y[row + j] /= sum;
                        }
                    }

                    break;
            }
        }

        public override void Backward(float[] x, float[] dy, int n, bool needInputGradient)
        {
            float[] dx = Dx;
            float[] y = Y;
            int count = n * In;
            switch (Kind)
            {
                case Act.Linear:
                    Array.Copy(dy, dx, count);
                    break;
                case Act.Relu:
                    for (int i = 0; i < count; i++)
                    {
                        dx[i] = x[i] > 0 ? dy[i] : 0;
                    }

                    break;
                case Act.Tanh:
                    for (int i = 0; i < count; i++)
                    {
                        dx[i] = dy[i] * (1 - y[i] * y[i]);
                    }

                    break;
                case Act.Sigmoid:
                    for (int i = 0; i < count; i++)
                    {
                        dx[i] = dy[i] * y[i] * (1 - y[i]);
                    }

                    break;
                case Act.Softmax:
                    for (int r = 0; r < n; r++)
                    {
                        int row = r * In;
                        float dot = 0;
                        for (int j = 0; j < In; j++)
                        {
                            dot += dy[row + j] * y[row + j];
                        }

                        for (int j = 0; j < In; j++)
                        {
                            dx[row + j] = y[row + j] * (dy[row + j] - dot);
                        }
                    }

                    break;
            }
        }
    }

    private sealed class Dropout(int features, float rate, int seed) : Layer(features, features)
    {
        private readonly Random _random = new(seed);
        private float[] _mask = [];

        public override void Allocate(int batch)
        {
            base.Allocate(batch);
            _mask = new float[batch * In];
        }

        public override void Forward(float[] x, int n, bool training)
        {
            int count = n * In;
            if (!training)
            {
                Array.Copy(x, Y, count);
                return;
            }

            float scale = 1f / (1f - rate);
            for (int i = 0; i < count; i++)
            {
                _mask[i] = _random.NextSingle() >= rate ? scale : 0f;
                Y[i] = x[i] * _mask[i];
            }
        }

        public override void Backward(float[] x, float[] dy, int n, bool needInputGradient)
        {
            int count = n * In;
            for (int i = 0; i < count; i++)
            {
                Dx[i] = dy[i] * _mask[i];
            }
        }
    }
}
