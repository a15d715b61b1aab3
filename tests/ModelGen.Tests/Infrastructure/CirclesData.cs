using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ModelGen.Tests.Infrastructure;

/// <summary>The circles data set of the Keras tutorial (samples/Circles/Data/circles.csv): x0, x1, label.</summary>
public static class CirclesData
{
    public static (float[] X, float[] Y) Load(int start, int count)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Repository.SamplesDirectory, "Circles", "Data", "circles.csv")).Skip(1 + start).Take(count).ToArray();
        var x = new float[count * 2];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            string[] fields = lines[i].Split(',');
            x[2 * i] = (float)double.Parse(fields[0], CultureInfo.InvariantCulture);
            x[2 * i + 1] = (float)double.Parse(fields[1], CultureInfo.InvariantCulture);
            y[i] = float.Parse(fields[2], CultureInfo.InvariantCulture);
        }

        return (x, y);
    }
}
