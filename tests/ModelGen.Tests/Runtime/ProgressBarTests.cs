using System;
using System.IO;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>ProgressBar output for Verbose 1 (interactive and redirected) and 2, with a fake clock.</summary>
public class ProgressBarTests
{
    private sealed class FakeClock : TimeProvider
    {
        public long Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(double seconds) => Ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void RedirectedVerboseOneWritesOnlyTheFinalLineOfEachEpoch()
    {
        var output = new StringWriter { NewLine = "\n" };
        var clock = new FakeClock();
        var bar = new ProgressBar(output, 1, interactive: false, clock);
        bar.BeginEpoch(0, 3, 16);
        for (int step = 1; step <= 16; step++)
        {
            clock.Advance(0.002);
            bar.Update(step, 0.69314718, 0.5);
        }

        bar.EndEpoch(new EpochLogs(0.69314718, 0.5, 0.0001234, 0.625));
        Assert.Equal(
            "Epoch 1/3\n16/16 [==============================] - 0s 2ms/step - loss: 0.6931 - accuracy: 0.5000 - val_loss: 1.2340e-04 - val_accuracy: 0.6250\n",
            output.ToString());
    }

    [Fact]
    public void InteractiveVerboseOneRedrawsInPlaceAtMostEvery50Milliseconds()
    {
        var output = new StringWriter();
        var clock = new FakeClock();
        var bar = new ProgressBar(output, 1, interactive: true, clock);
        bar.BeginEpoch(1, 2, 16);
        clock.Advance(0.3);
        bar.Update(12, 0.6931, 0.5);
        clock.Advance(0.01);
        bar.Update(13, 0.6, 0.5); // throttled
        clock.Advance(0.1);
        bar.EndEpoch(new EpochLogs(0.5, 0.75));
        // Keras: int(30 * 12 / 16) = 22 cells, 21 "=" and the ">" head.
        string expectedBar = "12/16 [=====================>........] - ETA: 0s - loss: 0.6931 - accuracy: 0.5000";
        string final = "16/16 [==============================] - 0s 26ms/step - loss: 0.5000 - accuracy: 0.7500";
        Assert.Equal("Epoch 2/2\n" + expectedBar + "\r" + final + new string(' ', Math.Max(0, expectedBar.Length - final.Length)) + "\n", output.ToString());
    }

    [Fact]
    public void EtaUsesMinutesAndHours()
    {
        var output = new StringWriter();
        var clock = new FakeClock();
        var bar = new ProgressBar(output, 1, interactive: true, clock);
        bar.BeginEpoch(0, 1, 100);
        clock.Advance(10);
        bar.Update(1, 1, double.NaN); // 990 s left
        Assert.EndsWith("  1/100 [..............................] - ETA: 16:30 - loss: 1.0000", output.ToString());
    }

    [Fact]
    public void VerboseTwoWritesOneLinePerEpochAndVerboseZeroNothing()
    {
        var output = new StringWriter { NewLine = "\n" };
        var clock = new FakeClock();
        var bar = new ProgressBar(output, 2, interactive: true, clock);
        bar.BeginEpoch(2, 100, 16);
        bar.Update(5, 1, 1);
        clock.Advance(1.5);
        bar.EndEpoch(new EpochLogs(0.25, 0.875, 0.3, 0.8));
        Assert.Equal("Epoch 3/100 - 1s - loss: 0.2500 - accuracy: 0.8750 - val_loss: 0.3000 - val_accuracy: 0.8000\n", output.ToString());

        var silent = new StringWriter();
        var quiet = new ProgressBar(silent, 0, interactive: true, clock);
        quiet.BeginEpoch(0, 1, 1);
        quiet.Update(1, 1, 1);
        quiet.EndEpoch(new EpochLogs(1));
        Assert.Equal("", silent.ToString());
    }

    [Fact]
    public void UpdatesDoNotAllocate()
    {
        var bar = new ProgressBar(TextWriter.Null, 1, interactive: true, new FakeClock());
        bar.BeginEpoch(0, 1, 1000);
        bar.Update(1, 0.5, 0.5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 2; i < 900; i++)
        {
            bar.Update(i, 0.5, 0.5);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
