"""Summarises scripts/cluster-bench.sh runs: per worker count, the median round split and the bytes into the driver.

Reads each run's metrics.jsonl (round, compute and update times as the trainer measured them) and Spark's event
log (the round's jobs: stage times and every task's result size, i.e. what the driver received). The first two
rounds are warm-up and left out.
"""
import glob
import json
import statistics
import sys

WARMUP = 2
ROUND_SITES = ("RoundRunner", "OrderedSum")  # this build's round, and the one before the reduce-scatter


def events(run_dir):
    files = glob.glob(f"{run_dir}/events/*")
    if len(files) != 1:
        raise SystemExit(f"{run_dir}/events: expected one Spark event log, found {files}")
    with open(files[0]) as f:
        return [json.loads(line) for line in f]


def round_jobs(log):
    stages, tasks, jobs = {}, {}, []
    for e in log:
        kind = e["Event"]
        if kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            stages[info["Stage ID"]] = info
        elif kind == "SparkListenerTaskEnd":
            tasks.setdefault(e["Stage ID"], []).append(e)
        elif kind == "SparkListenerJobStart":
            jobs.append({"id": e["Job ID"], "start": e["Submission Time"], "stages": e["Stage IDs"]})
        elif kind == "SparkListenerJobEnd":
            for j in jobs:
                if j["id"] == e["Job ID"]:
                    j["end"] = e["Completion Time"]
    out = []
    for j in jobs:
        ran = [stages[s] for s in j["stages"] if s in stages and "Submission Time" in stages[s]]
        if not any(site in s["Stage Name"] for s in ran for site in ROUND_SITES):
            continue
        ran.sort(key=lambda s: s["Submission Time"])
        stage_ms = [s["Completion Time"] - s["Submission Time"] for s in ran]
        result_bytes = sum(t["Task Metrics"]["Result Size"] for s in ran for t in tasks.get(s["Stage ID"], []))
        shuffle_bytes = sum(t["Task Metrics"]["Shuffle Write Metrics"]["Shuffle Bytes Written"]
                            for s in ran for t in tasks.get(s["Stage ID"], []))
        out.append({"wall": j["end"] - j["start"], "stages": stage_ms, "into_driver": result_bytes,
                    "shuffled": shuffle_bytes})
    return out


def peaks(run):
    """Peak resident memory of the driver and of the largest executor, from the bench's VmHWM samples."""
    try:
        rows = [line.split() for line in open(f"{run}/rss.txt")]
    except FileNotFoundError:
        return "not sampled"
    driver = max((int(kb) for key, kb in rows if key.startswith("driver")), default=0)
    executor = max((int(kb) for key, kb in rows if key.startswith("executor")), default=0)
    return f"{driver / 2**20:.2f} / {executor / 2**20:.2f}"


def main(work, workers):
    print(f"{work}: medians over rounds {WARMUP + 1}.. (ms; MB = 1e6 bytes)")
    print("| workers | round | compute | map stage - compute | reduce stage | driver (collect, sum, update) "
          "| update | into driver MB/round | × params | shuffled MB/round | peak RSS driver / executor GB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for w in workers:
        run = f"{work}/w{w}"
        rounds = [json.loads(line) for line in open(f"{run}/out/metrics.jsonl") if '"loss"' in line][WARMUP:]
        jobs = round_jobs(events(run))
        if len(jobs) < len(rounds) + WARMUP:
            raise SystemExit(f"{run}: {len(jobs)} round jobs in the event log for {len(rounds) + WARMUP} rounds")
        jobs = jobs[-len(rounds):]
        params = rounds[0]["bytesToWorker"] / (2 if "bf16" in work else 4) if "bytesToWorker" in rounds[0] else None
        med = lambda xs: statistics.median(xs)
        compute = [r["computeMs"] for r in rounds]
        first_stage = [j["stages"][0] for j in jobs]
        reduce = [j["stages"][1] if len(j["stages"]) > 1 else 0 for j in jobs]
        driver = [r["roundMs"] - j["wall"] for r, j in zip(rounds, jobs)]
        into = [j["into_driver"] for j in jobs]
        fp32_bytes = 4 * params if params else None
        print(f"| {w} | {med([r['roundMs'] for r in rounds]):.0f} ({min(r['roundMs'] for r in rounds):.0f}–"
              f"{max(r['roundMs'] for r in rounds):.0f}) | {med(compute):.0f} "
              f"| {med([s - c for s, c in zip(first_stage, compute)]):.0f} | {med(reduce):.0f} "
              f"| {med(driver):.0f} | {med([r['updateMs'] for r in rounds]):.0f} | {med(into) / 1e6:.1f} "
              f"| {med(into) / fp32_bytes:.2f} | {med([j['shuffled'] for j in jobs]) / 1e6:.1f} | {peaks(run)} |"
              if fp32_bytes else f"| {w} | ... |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
