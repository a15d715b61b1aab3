#!/usr/bin/env python3
"""PyTorch twins of the benchmark models M4, M5 and M6 (benchmarks/Models/*.model), timed on CUDA.

The peer figure for GpuCheck's M.Gpu timings: one training step (zero_grad, forward, loss, backward, optimizer step) at
batch 32, 128 and 4096, and inference (eval mode, inference_mode) at batch 1 and 4096, each timed with CUDA events after
a warm-up, the median of --repetitions; eagerly and, where it works, with torch.compile (a failure is recorded, not fatal).

Same architectures and optimizers as the .model files, with Keras's semantics:
  - Dense = nn.Linear (with bias, as Keras's default); the softmax output + sparse_categorical_crossentropy is
    nn.CrossEntropyLoss on the logits (the same loss and gradient);
  - BatchNormalization: Keras momentum 0.99 = PyTorch momentum 0.01, epsilon 1e-3;
  - SGD(lr, momentum): Keras's v = m v - lr g; w += v equals PyTorch's v = m v + g; w -= lr v at a constant lr;
  - conv2d ... padding=same with kernel 3 = padding=1; max_pooling2d 2 = MaxPool2d(2);
  - M5 runs NCHW here, channels last (NHWC) in ModelGen: the same arithmetic, fine for timing;
  - lstm 64 = nn.LSTM(16, 64, batch_first=True), its last timestep's output (Keras's return_sequences=False).
Matrix products run in true float32 (TF32 off, as ModelGen's kernels) unless --tf32.

Usage: python3 pytorch_twin.py [--output pytorch-twin-results.json] [--repetitions 50] [--no-compile] [--tf32] [--quick]
Not run in the repository's CI (no PyTorch there); see README.md.
"""

import argparse
import json
import platform
import statistics
import sys
import time

import torch
from torch import nn

BN_MOMENTUM = 0.01  # Keras 0.99
BN_EPS = 1e-3


class M4(nn.Module):
    """784 -> dense 512 -> BN -> relu -> dense 512 -> BN -> relu -> dense 10 (softmax); SGD lr 0.01."""

    input_shape = (784,)

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 512), nn.BatchNorm1d(512, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU(),
            nn.Linear(512, 512), nn.BatchNorm1d(512, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        return self.net(x)

    @staticmethod
    def optimizer(params):
        return torch.optim.SGD(params, lr=0.01)


class M5(nn.Module):
    """8x8x1 -> conv 16 (3x3 same) -> BN -> relu -> pool 2 -> conv 32 (3x3 same) -> BN -> relu -> pool 2 -> flatten ->
    dense 64 -> BN -> relu -> dense 10 (softmax); SGD lr 0.01 momentum 0.9."""

    input_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 2 * 2, 64), nn.BatchNorm1d(64, eps=BN_EPS, momentum=BN_MOMENTUM), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.net(x)

    @staticmethod
    def optimizer(params):
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)


class M6(nn.Module):
    """20 timesteps x 16 features -> lstm 64 (last output) -> BN -> dense 10 (softmax); SGD lr 0.01 momentum 0.9."""

    input_shape = (20, 16)

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 64, batch_first=True)
        self.bn = nn.BatchNorm1d(64, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.dense = nn.Linear(64, 10)
        # Keras's unit_forget_bias: the forget gate's bias starts at 1 (PyTorch has two bias vectors; gates i, f, g, o).
        with torch.no_grad():
            self.lstm.bias_ih_l0.zero_()
            self.lstm.bias_hh_l0.zero_()
            self.lstm.bias_ih_l0[64:128].fill_(1.0)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.dense(self.bn(out[:, -1, :]))

    @staticmethod
    def optimizer(params):
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)


def timer(device):
    """Returns time_call(fn) -> milliseconds: CUDA events on a GPU, perf_counter (after a synchronize) elsewhere."""
    if device.type == "cuda":
        def time_call(fn):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end)
    else:
        def time_call(fn):
            start = time.perf_counter()
            fn()
            return (time.perf_counter() - start) * 1000.0
    return time_call


def measure(fn, time_call, warmup, repetitions):
    for _ in range(warmup):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    times = sorted(time_call(fn) for _ in range(repetitions))
    return statistics.median(times), times[0]


def run(model_class, mode, device, args, time_call):
    rows = []
    torch.manual_seed(1)
    model = model_class().to(device)
    optimizer = model_class.optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    forward = model
    if mode == "compile":
        forward = torch.compile(model)

    train_batches = [32, 4096] if args.quick else [32, 128, 4096]
    for batch in train_batches:
        x = torch.rand((batch,) + model_class.input_shape, device=device) * 2 - 1
        y = torch.randint(0, 10, (batch,), device=device)
        model.train()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(forward(x), y)
            loss.backward()
            optimizer.step()

        median, minimum = measure(step, time_call, args.warmup, args.repetitions)
        rows.append(dict(model=model_class.__name__, mode=mode, operation="train_step", batch=batch,
                         median_ms=median, min_ms=minimum, samples_per_second=batch / (median / 1000.0)))
        print_row(rows[-1])

    model.eval()
    for batch in [1, 4096]:
        x = torch.rand((batch,) + model_class.input_shape, device=device) * 2 - 1

        def infer():
            with torch.inference_mode():
                forward(x)

        median, minimum = measure(infer, time_call, args.warmup, args.repetitions)
        rows.append(dict(model=model_class.__name__, mode=mode, operation="predict", batch=batch,
                         median_ms=median, min_ms=minimum, samples_per_second=batch / (median / 1000.0)))
        print_row(rows[-1])
    return rows


def print_row(row):
    print(f"  {row['model']:<4} {row['mode']:<8} {row['operation']:<11} batch {row['batch']:>5}: "
          f"median {row['median_ms']:10.4f} ms, min {row['min_ms']:10.4f} ms, {row['samples_per_second']:14.0f} samples/s",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="pytorch-twin-results.json")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true", help="eager mode only")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 matrix products (off by default: true float32)")
    parser.add_argument("--quick", action="store_true", help="train at batch 32 and 4096 only, 10 repetitions")
    parser.add_argument("--allow-cpu", action="store_true", help="run on the CPU when CUDA is missing (a dry run)")
    args = parser.parse_args()
    if args.quick:
        args.repetitions = min(args.repetitions, 10)

    if torch.cuda.is_available():
        device = torch.device("cuda")
    elif args.allow_cpu:
        device = torch.device("cpu")
    else:
        print("No CUDA device (torch.cuda.is_available() is False); --allow-cpu runs a dry run on the CPU.", file=sys.stderr)
        return 2
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32

    info = dict(torch=torch.__version__, python=platform.python_version(), device=str(device),
                device_name=torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor(),
                cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version() if device.type == "cuda" else None,
                tf32=args.tf32, repetitions=args.repetitions, warmup=args.warmup)
    print(f"PyTorch {info['torch']} on {info['device_name']} (TF32 {'on' if args.tf32 else 'off'}), "
          f"median of {args.repetitions} after {args.warmup} warm-up calls", flush=True)

    rows, failures = [], []
    modes = ["eager"] if args.no_compile else ["eager", "compile"]
    for mode in modes:
        for model_class in (M4, M5, M6):
            try:
                rows.extend(run(model_class, mode, device, args, timer(device)))
            except Exception as error:  # torch.compile may be unavailable (no triton, no compiler): recorded, not fatal
                failures.append(dict(model=model_class.__name__, mode=mode, error=f"{type(error).__name__}: {error}"[:2000]))
                print(f"  {model_class.__name__:<4} {mode:<8} FAILED: {type(error).__name__}: {str(error)[:300]}", flush=True)

    print()
    print(f"{'model':<5} {'mode':<8} {'operation':<11} {'batch':>5} {'median ms':>11} {'samples/s':>14}")
    for row in rows:
        print(f"{row['model']:<5} {row['mode']:<8} {row['operation']:<11} {row['batch']:>5} {row['median_ms']:>11.4f} "
              f"{row['samples_per_second']:>14.0f}")
    with open(args.output, "w") as f:
        json.dump(dict(info=info, timings=rows, failures=failures), f, indent=2)
    print(f"results in {args.output}")
    return 1 if any(f["mode"] == "eager" for f in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
