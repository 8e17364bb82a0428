"""The cost model of a synchronous round in docs/cluster.md ("Cost of a round"), as code: fits its two one-host
constants to scripts/cluster-bench.sh's table and prints the projections for BERT-base and a 1B-parameter model.

  python3 scripts/reference/cost_model.py W1_MS W2_MS W4_MS UPDATE_MS
      W*_MS: the measured Spark part of a MiniLM round (round - compute) with 1, 2, 4 one-core workers on one host;
      UPDATE_MS: the driver's optimizer step at 1 worker.

One host: every executor's share of the byte work (receive the broadcast, write its slices, add up its share of
the slices) runs on the same two cores, so the Spark part grows by a constant per worker: part(W) = a + b * W,
fitted on W = 1 and 4 and checked on W = 2. On a real cluster each executor has its own cores and link: the
per-executor work b happens once per round in parallel (scaled with the vector), the driver's work a likewise,
and the wire adds three transfers of the vector at link speed (broadcast out, the all-to-all shuffle, slice sums
in) against ring all-reduce's 2 (P - 1) / P. Task scheduling: 2 P tasks at an assumed 1 ms each on the driver.
The bf16 column halves the CPU term with the bytes: an upper bound on the gain (measured on one host: 10-23 %).
"""
import sys

MINILM_PARAMS = 22_713_986
PER_TASK_S = 1e-3


def fit(w1, w2, w4):
    b = (w4 - w1) / 3
    a = w1 - b
    predicted = a + 2 * b
    return a, b, predicted, (predicted - w2) / w2


def project(params, executors, gbps, a_s, b_s, update_s, wire_bytes=4):
    scale = params / MINILM_PARAMS
    vector = wire_bytes * params
    link = gbps * 1e9 / 8
    cpu = (a_s - update_s) * scale * wire_bytes / 4 + b_s * scale * wire_bytes / 4
    wire = 3 * vector / link
    ring = 2 * (executors - 1) / executors * (4 * params) / link
    sched = 2 * executors * PER_TASK_S
    update = update_s * scale
    return cpu + wire + sched + update, ring, update


def main():
    w1, w2, w4, update = (float(x) / 1000 for x in sys.argv[1:5])
    a, b, predicted, err = fit(w1, w2, w4)
    print(f"one host: Spark part = {a * 1000:.0f} ms + {b * 1000:.0f} ms x workers; "
          f"W=2 predicted {predicted * 1000:.0f} ms, measured {w2 * 1000:.0f} ms ({err * 100:+.1f} %)")
    print("| model | executors | link | sync round, fp32 (s) | bf16 wire (s) | of which driver update (s) "
          "| ring all-reduce bound, fp32 (s) |")
    print("|---|---|---|---|---|---|---|")
    for name, params in (("BERT-base (110M)", 110_000_000), ("1B", 1_000_000_000)):
        for executors in (8, 64, 256):
            for gbps in (10, 25, 100):
                t32, ring, upd = project(params, executors, gbps, a, b, update)
                t16, _, _ = project(params, executors, gbps, a, b, update, wire_bytes=2)
                print(f"| {name} | {executors} | {gbps} Gb/s | {t32:.2f} | {t16:.2f} | {upd:.2f} | {ring:.2f} |")


if __name__ == "__main__":
    main()
