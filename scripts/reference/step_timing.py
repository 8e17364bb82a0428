"""Timing of a training step for the PyTorch side of the benchmarks: warm-up steps untimed, then each step timed."""
import statistics
import time


def time_steps(step, warmup, steps):
    """Runs step() warmup times, then steps times; returns (seconds of each timed step, their median)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times, statistics.median(times)
