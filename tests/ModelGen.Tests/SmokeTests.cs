using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests;

public class SmokeTests
{
    [Fact]
    public void GeneratorRunsOnAnEmptyCompilation()
    {
        GeneratorRun run = GeneratorHarness.Run();
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }
}
