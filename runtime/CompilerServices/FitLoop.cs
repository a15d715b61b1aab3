using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// Where a Fit's batches come from and go: what differs between the backends. The CPU backend's gathers rows of host
/// spans (<see cref="FitLoop.Run{TModel}(TModel, ReadOnlySpan{float}, ReadOnlySpan{float}, FitOptions?)"/>); the GPU
/// backend's (generated in <c>M.Gpu</c>) gathers rows of device views with a kernel. <see cref="FitLoop.Run{TBatches}(ITrainableModel, ref TBatches, int, bool, FitOptions)"/>
/// drives either through the same epochs. For generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IFitBatches
{
    /// <summary>An epoch begins; <paramref name="order"/> is the order of the training rows it visits (shuffled, or not).</summary>
    void BeginEpoch(ReadOnlySpan<int> order);

    /// <summary>One optimizer step on a batch: the training rows <paramref name="rows"/> (shuffled), or, without
    /// shuffling (<paramref name="rows"/> empty), the <paramref name="count"/> rows from <paramref name="start"/>.
    /// Returns the batch's loss (not finite: the step was not taken).</summary>
    float Step(int start, int count, ReadOnlySpan<int> rows, out int correct);

    /// <summary>The loss and accuracy of the validation data in inference mode.</summary>
    EvaluationResult Validate(int batchSize);
}

/// <summary>
/// Keras's <c>fit</c> for every generated model, on either backend: the validation split (the last rows, taken before
/// shuffling), a seeded shuffle per epoch (the same order on the CPU and the GPU for a seed), the running loss and
/// accuracy of the progress bar, validation after each epoch, callbacks and <see cref="History"/>. Only the
/// model-specific step and evaluation are generated. For generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FitLoop
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="x"/> and <paramref name="y"/> (the CPU backend).</summary>
    /// <exception cref="TrainingStoppedException">The loss of a batch was not finite; the model keeps the weights it had before that batch.</exception>
    public static unsafe History Run<TModel>(TModel model, ReadOnlySpan<float> x, ReadOnlySpan<float> y, FitOptions? options)
        where TModel : ITrainingStep
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FitOptions();
        options.Validate();
        int inputSize = model.InputSize, labelSize = model.LabelSize;
        int rows = ModelInputs.Samples(x.Length, inputSize, nameof(x));
        ModelInputs.CheckLength(y.Length, rows, labelSize, nameof(y), "LabelSize");

        // Validation data: given, or the last ValidationSplit of the rows (Keras takes it before shuffling).
        int trainRows = options.TrainingRowCount(rows);
        ReadOnlySpan<float> validationX = default, validationY = default;
        if (options.ValidationData is (float[] givenX, float[] givenY))
        {
            int validationRows = ModelInputs.Samples(givenX.Length, inputSize, "ValidationData.X");
            ModelInputs.CheckLength(givenY.Length, validationRows, labelSize, "ValidationData.Y", "LabelSize");
            validationX = givenX;
            validationY = givenY;
        }
        else if (trainRows < rows)
        {
            validationX = x.Slice(trainRows * inputSize);
            validationY = y.Slice(trainRows * labelSize);
        }

        // The spans stay pinned for the whole Fit: the batches read them through pointers.
        fixed (float* px = x, py = y, pvx = validationX, pvy = validationY)
        {
            int batchSize = Math.Min(options.BatchSize, trainRows);
            var batches = new HostBatches<TModel>(
                model, new Rows(px, x.Length), new Rows(py, y.Length), new Rows(pvx, validationX.Length), new Rows(pvy, validationY.Length),
                batchSize, options.Shuffle);
            return Run(model, ref batches, trainRows, !validationX.IsEmpty, options);
        }
    }

    /// <summary>The epochs of a Fit over <paramref name="trainRows"/> training rows, whichever backend's batches.</summary>
    /// <param name="model">The model (for callbacks, and whether it measures accuracy).</param>
    /// <param name="batches">The backend's batches.</param>
    /// <param name="trainRows">Training rows (the data's rows less the validation split).</param>
    /// <param name="hasValidation">Whether <see cref="IFitBatches.Validate"/> has data.</param>
    /// <param name="options">Validated options.</param>
    /// <exception cref="TrainingStoppedException">The loss of a batch was not finite; the model keeps the weights it had before that batch.</exception>
    public static History Run<TBatches>(ITrainableModel model, ref TBatches batches, int trainRows, bool hasValidation, FitOptions options)
        where TBatches : struct, IFitBatches
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        bool hasAccuracy = model.HasAccuracy;
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int steps = (trainRows + batchSize - 1) / batchSize;

        // Everything a batch needs is allocated here, once per call.
        var history = new History();
        int[] order = new int[trainRows];
        for (int i = 0; i < trainRows; i++)
        {
            order[i] = i;
        }

        var random = new ModelRandom(options.Seed, stream: FitShuffle.Stream);
        var output = options.EffectiveOutput;
        var progress = new ProgressBar(output, options.Verbose, ProgressBar.IsInteractive(output));
        var context = new TrainingContext(model, options.Epochs, hasValidation, hasAccuracy, output, options.Verbose);
        foreach (Callback callback in options.Callbacks)
        {
            callback.OnTrainBegin(context);
        }

        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            if (options.Shuffle)
            {
                random.Shuffle(order);
            }

            batches.BeginEpoch(order);
            progress.BeginEpoch(epoch, options.Epochs, steps);
            double lossSum = 0;
            long correct = 0;
            int seen = 0;
            for (int step = 0; step < steps; step++)
            {
                int start = step * batchSize;
                int count = Math.Min(batchSize, trainRows - start);
                ReadOnlySpan<int> rows = options.Shuffle ? order.AsSpan(start, count) : default;
                float loss = batches.Step(start, count, rows, out int batchCorrect);
                TrainingStoppedException.ThrowIfNotFinite(loss, epoch + 1, step + 1);
                lossSum += (double)loss * count;
                correct += batchCorrect;
                seen += count;
                progress.Update(step + 1, lossSum / seen, hasAccuracy ? (double)correct / seen : double.NaN);
            }

            double? accuracy = hasAccuracy ? (double)correct / seen : null;
            double? validationLoss = null, validationAccuracy = null;
            if (hasValidation)
            {
                EvaluationResult validation = batches.Validate(options.BatchSize);
                validationLoss = validation.Loss;
                validationAccuracy = hasAccuracy ? validation.Accuracy : null;
            }

            var logs = new EpochLogs(lossSum / seen, accuracy, validationLoss, validationAccuracy);
            history.Add(logs);
            progress.EndEpoch(logs);
            bool stop = false;
            foreach (Callback callback in options.Callbacks)
            {
                stop |= callback.OnEpochEnd(epoch, logs);
            }

            if (stop)
            {
                break;
            }
        }

        foreach (Callback callback in options.Callbacks)
        {
            callback.OnTrainEnd();
        }

        return history;
    }

    /// <summary>Pinned host values.</summary>
    private readonly unsafe struct Rows(float* values, int length)
    {
        public ReadOnlySpan<float> Span => new(values, length);
    }

    /// <summary>The CPU backend's batches: rows of pinned host spans gathered into buffers allocated once per Fit.</summary>
    private struct HostBatches<TModel> : IFitBatches
        where TModel : ITrainingStep
    {
        private readonly TModel _model;
        private readonly Rows _x, _y, _validationX, _validationY;
        private readonly float[] _batchX, _batchY;
        private readonly int _inputSize, _labelSize;

        public HostBatches(TModel model, Rows x, Rows y, Rows validationX, Rows validationY, int batchSize, bool shuffle)
        {
            _model = model;
            (_x, _y, _validationX, _validationY) = (x, y, validationX, validationY);
            _inputSize = model.InputSize;
            _labelSize = model.LabelSize;
            _batchX = shuffle ? new float[batchSize * _inputSize] : Array.Empty<float>();
            _batchY = shuffle ? new float[batchSize * _labelSize] : Array.Empty<float>();
        }

        public readonly void BeginEpoch(ReadOnlySpan<int> order)
        {
        }

        public readonly float Step(int start, int count, ReadOnlySpan<int> rows, out int correct)
        {
            ReadOnlySpan<float> xb, yb;
            if (!rows.IsEmpty)
            {
                Gather(_x.Span, rows, _inputSize, _batchX);
                Gather(_y.Span, rows, _labelSize, _batchY);
                xb = _batchX.AsSpan(0, count * _inputSize);
                yb = _batchY.AsSpan(0, count * _labelSize);
            }
            else
            {
                xb = _x.Span.Slice(start * _inputSize, count * _inputSize);
                yb = _y.Span.Slice(start * _labelSize, count * _labelSize);
            }

            return _model.TrainStep(xb, yb, out correct);
        }

        public readonly EvaluationResult Validate(int batchSize) => _model.Evaluate(_validationX.Span, _validationY.Span, batchSize);
    }

    /// <summary>Copies the rows named by <paramref name="rows"/> of <paramref name="source"/> into <paramref name="target"/>.</summary>
    private static void Gather(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int width, Span<float> target)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            source.Slice(rows[i] * width, width).CopyTo(target.Slice(i * width, width));
        }
    }
}
