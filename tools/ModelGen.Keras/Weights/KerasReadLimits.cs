namespace ModelGen.Keras;

/// <summary>The bounds one read works under: <see cref="Default"/> is <see cref="KerasWeightsFile"/>'s public constants;
/// tests lower them to reach a bound with small files.</summary>
internal sealed record KerasReadLimits(long MaxFileBytes, long MaxTensorElements, long MaxTotalElements, long MaxZipEntryBytes, int MaxConfigBytes)
{
    public static KerasReadLimits Default { get; } = new(
        KerasWeightsFile.MaxFileBytes,
        KerasWeightsFile.MaxTensorElements,
        KerasWeightsFile.MaxTotalElements,
        KerasWeightsFile.MaxZipEntryBytes,
        KerasConfig.MaxConfigBytes);
}
