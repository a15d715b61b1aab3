using System;
using System.ComponentModel;
using System.Globalization;
using System.IO;

namespace ModelGen;

/// <summary>
/// Keras-style training progress, for generated <c>Fit</c> code. Verbose 1: <c>Epoch 1/3</c>, then a live bar
/// <c>12/16 [=====================&gt;........] - ETA: 0s - loss: 0.6931 - accuracy: 0.5000</c> redrawn in place with
/// <c>'\r'</c> (at most every 50 ms) on an interactive console, and a final line per epoch
/// <c>16/16 [==============================] - 0s 2ms/step - loss: ... - val_loss: ...</c>; when the output is
/// redirected only the final line is written. Verbose 2: one line per epoch,
/// <c>Epoch 3/100 - 0s - loss: ... - accuracy: ... - val_loss: ... - val_accuracy: ...</c>. Verbose 0: nothing.
/// Updates allocate nothing beyond what the writer itself does.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ProgressBar
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(50);

    private readonly TextWriter _output;
    private readonly int _verbose;
    private readonly bool _interactive;
    private readonly TimeProvider _time;
    private int _epoch, _epochs, _steps, _lineLength;
    private long _epochStart, _lastDraw;
    private bool _drawn;

    /// <summary>Creates a progress display.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="verbose">0, 1 or 2 (see <see cref="FitOptions.Verbose"/>).</param>
    /// <param name="interactive">Whether the output is a console that honours <c>'\r'</c>; see <see cref="IsInteractive"/>.</param>
    /// <param name="timeProvider">The clock (tests pass a fake one); default <see cref="TimeProvider.System"/>.</param>
    public ProgressBar(TextWriter output, int verbose, bool interactive, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _verbose = verbose;
        _interactive = interactive;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Whether <paramref name="output"/> is the console's standard output and it is not redirected.</summary>
    /// <param name="output">The writer.</param>
    /// <returns>True for a live console.</returns>
    public static bool IsInteractive(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>Starts an epoch.</summary>
    /// <param name="epoch">The 0-based epoch.</param>
    /// <param name="epochs">The number of epochs.</param>
    /// <param name="steps">Batches in this epoch.</param>
    public void BeginEpoch(int epoch, int epochs, int steps)
    {
        _epoch = epoch;
        _epochs = epochs;
        _steps = steps;
        _epochStart = _time.GetTimestamp();
        _lastDraw = _epochStart;
        _lineLength = 0;
        _drawn = false;
        if (_verbose == 1)
        {
            WriteEpochTitle();
            _output.Write('\n');
            _written = 0;
        }
    }

    /// <summary>Reports a finished batch with the running means of the epoch's metrics so far.</summary>
    /// <param name="step">Batches done in this epoch (1-based).</param>
    /// <param name="loss">The running mean loss.</param>
    /// <param name="accuracy">The running accuracy, or NaN when not measured.</param>
    public void Update(int step, double loss, double accuracy)
    {
        if (_verbose != 1 || !_interactive || step >= _steps)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (_drawn && _time.GetElapsedTime(_lastDraw, now) < RedrawInterval)
        {
            return;
        }

        _lastDraw = now;
        _drawn = true;
        int start = StartLine();
        WriteBar(step);
        double elapsed = _time.GetElapsedTime(_epochStart, now).TotalSeconds;
        double eta = elapsed / step * (_steps - step);
        Write(" - ETA: ");
        WriteEta(eta);
        WriteMetric("loss", loss);
        if (!double.IsNaN(accuracy))
        {
            WriteMetric("accuracy", accuracy);
        }

        EndLine(start, newLine: false);
    }

    /// <summary>Ends the epoch with its final metrics (including validation metrics).</summary>
    /// <param name="logs">The epoch's metrics.</param>
    public void EndEpoch(EpochLogs logs)
    {
        if (_verbose == 0)
        {
            return;
        }

        double seconds = _time.GetElapsedTime(_epochStart).TotalSeconds;
        int start = StartLine();
        if (_verbose == 1)
        {
            WriteBar(_steps);
            Write(" - ");
            WriteNumber(Math.Floor(seconds), "0");
            Write("s ");
            WritePerStep(_steps == 0 ? 0 : seconds / _steps);
        }
        else
        {
            WriteEpochTitle();
            Write(" - ");
            WriteNumber(Math.Floor(seconds), "0");
            Write('s');
        }

        WriteMetric("loss", logs.Loss);
        if (logs.Accuracy is double accuracy) WriteMetric("accuracy", accuracy);
        if (logs.ValLoss is double valLoss) WriteMetric("val_loss", valLoss);
        if (logs.ValAccuracy is double valAccuracy) WriteMetric("val_accuracy", valAccuracy);
        EndLine(start, newLine: true);
    }

    private void WriteEpochTitle()
    {
        Write("Epoch ");
        WriteNumber(_epoch + 1, "0");
        Write('/');
        WriteNumber(_epochs, "0");
    }

    /// <summary>Begins a line (returning to its start when redrawing) and returns the count written so far.</summary>
    private int StartLine()
    {
        if (_lineLength > 0)
        {
            _output.Write('\r');
        }

        _written = 0;
        return 0;
    }

    private int _written;

    private void EndLine(int start, bool newLine)
    {
        // Blank out what is left of a longer previous drawing.
        int length = _written - start;
        for (int i = length; i < _lineLength; i++)
        {
            _output.Write(' ');
        }

        _lineLength = newLine ? 0 : length;
        if (newLine)
        {
            _output.Write('\n');
        }

        _output.Flush();
    }

    private void WriteBar(int step)
    {
        int digits = Digits(_steps);
        for (int i = Digits(step); i < digits; i++)
        {
            Write(' ');
        }

        WriteNumber(step, "0");
        Write('/');
        WriteNumber(_steps, "0");
        Write(" [");
        int done = _steps == 0 ? BarWidth : (int)((long)BarWidth * step / _steps);
        for (int i = 0; i < done - 1; i++)
        {
            Write('=');
        }

        if (done > 0)
        {
            Write(step < _steps ? '>' : '=');
        }

        for (int i = done; i < BarWidth; i++)
        {
            Write('.');
        }

        Write(']');
    }

    private void WriteEta(double seconds)
    {
        long s = (long)seconds;
        if (s >= 3600)
        {
            WriteNumber(s / 3600, "0");
            Write(':');
            WriteNumber(s % 3600 / 60, "00");
            Write(':');
            WriteNumber(s % 60, "00");
        }
        else if (s >= 60)
        {
            WriteNumber(s / 60, "0");
            Write(':');
            WriteNumber(s % 60, "00");
        }
        else
        {
            WriteNumber(s, "0");
            Write('s');
        }
    }

    private void WritePerStep(double seconds)
    {
        if (seconds >= 1)
        {
            WriteNumber(Math.Round(seconds), "0");
            Write("s/step");
        }
        else if (seconds >= 1e-3)
        {
            WriteNumber(Math.Round(seconds * 1e3), "0");
            Write("ms/step");
        }
        else
        {
            WriteNumber(Math.Round(seconds * 1e6), "0");
            Write("us/step");
        }
    }

    /// <summary><c> - name: value</c>, with Keras's format: 4 decimals, or 4-digit scientific below 1e-3.</summary>
    private void WriteMetric(string name, double value)
    {
        Write(" - ");
        Write(name);
        Write(": ");
        WriteNumber(value, Math.Abs(value) > 1e-3 || !double.IsFinite(value) ? "0.0000" : "0.0000e+00");
    }

    private void WriteNumber(double value, string format)
    {
        Span<char> buffer = stackalloc char[32];
        if (value.TryFormat(buffer, out int length, format, CultureInfo.InvariantCulture))
        {
            Write(buffer.Slice(0, length));
        }
    }

    private void Write(ReadOnlySpan<char> text)
    {
        _output.Write(text);
        _written += text.Length;
    }

    private void Write(char c)
    {
        _output.Write(c);
        _written++;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        for (; value >= 10; value /= 10)
        {
            digits++;
        }

        return digits;
    }
}
