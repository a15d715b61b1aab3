using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's <c>fit</c> for every generated model: the validation split (the last rows, taken before shuffling), a
/// seeded shuffle per epoch, batches gathered into buffers allocated once per call, the running loss and accuracy
/// of the progress bar, validation after each epoch, callbacks and <see cref="History"/>. Only the model-specific
/// step (<see cref="ITrainingStep.TrainStep"/>) and evaluation are generated. For generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FitLoop
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="x"/> and <paramref name="y"/>.</summary>
    /// <exception cref="TrainingStoppedException">The loss of a batch was not finite; the model keeps the weights it had before that batch.</exception>
    public static History Run<TModel>(TModel model, ReadOnlySpan<float> x, ReadOnlySpan<float> y, FitOptions? options)
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

        bool hasValidation = !validationX.IsEmpty;
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int steps = (trainRows + batchSize - 1) / batchSize;

        // Everything a batch needs is allocated here, once per call.
        var history = new History();
        int[] order = new int[trainRows];
        for (int i = 0; i < trainRows; i++)
        {
            order[i] = i;
        }

        float[] batchX = options.Shuffle ? new float[batchSize * inputSize] : Array.Empty<float>();
        float[] batchY = options.Shuffle ? new float[batchSize * labelSize] : Array.Empty<float>();
        var random = new CompilerServices.ModelRandom(options.Seed, stream: CompilerServices.FitShuffle.Stream);
        var output = options.EffectiveOutput;
        var progress = new ProgressBar(output, options.Verbose, ProgressBar.IsInteractive(output));
        var context = new TrainingContext(model, options.Epochs, hasValidation, model.HasAccuracy, output, options.Verbose);
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

            progress.BeginEpoch(epoch, options.Epochs, steps);
            double lossSum = 0;
            long correct = 0;
            int seen = 0;
            for (int step = 0; step < steps; step++)
            {
                int start = step * batchSize;
                int count = Math.Min(batchSize, trainRows - start);
                ReadOnlySpan<float> xb, yb;
                if (options.Shuffle)
                {
                    Gather(x, order.AsSpan(start, count), inputSize, batchX);
                    Gather(y, order.AsSpan(start, count), labelSize, batchY);
                    xb = batchX.AsSpan(0, count * inputSize);
                    yb = batchY.AsSpan(0, count * labelSize);
                }
                else
                {
                    xb = x.Slice(start * inputSize, count * inputSize);
                    yb = y.Slice(start * labelSize, count * labelSize);
                }

                float loss = model.TrainStep(xb, yb, out int batchCorrect);
                TrainingStoppedException.ThrowIfNotFinite(loss, epoch + 1, step + 1);
                lossSum += (double)loss * count;
                correct += batchCorrect;
                seen += count;
                progress.Update(step + 1, lossSum / seen, model.HasAccuracy ? (double)correct / seen : double.NaN);
            }

            double? accuracy = model.HasAccuracy ? (double)correct / seen : null;
            double? validationLoss = null, validationAccuracy = null;
            if (hasValidation)
            {
                EvaluationResult validation = model.Evaluate(validationX, validationY, options.BatchSize);
                validationLoss = validation.Loss;
                validationAccuracy = model.HasAccuracy ? validation.Accuracy : null;
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

    /// <summary>Copies the rows named by <paramref name="rows"/> of <paramref name="source"/> into <paramref name="target"/>.</summary>
    private static void Gather(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int width, Span<float> target)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            source.Slice(rows[i] * width, width).CopyTo(target.Slice(i * width, width));
        }
    }
}
