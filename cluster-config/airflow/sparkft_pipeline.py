"""The argument lists of SparkFT's weekly fine-tune, one per task, with no Airflow import.

The DAG file (sparkft_weekly_dag.py) turns each TaskSpec into a SparkSubmitOperator; the cluster test
(tests/.../AirflowPipelineIT) runs the same lists through spark-submit against a standalone cluster. Keeping
them here means what is tested is what the DAG submits.

Every job reads one run config (YAML, local or on any Hadoop file system); the run date picks the data and
output locations through --set overrides, so each weekly run has its own folders and a retried task finds its
own earlier work:
  prepare   raw text of the week -> tokenised tables (the same inputs again: a no-op)
  train     --resume: the first attempt starts, a retry continues from the newest complete checkpoint, a
            finished run does nothing
  evaluate  the final checkpoint on the held-out split; exits non-zero below the accuracy gate, which stops
            the DAG before anything is exported
  export    the checkpoint -> a Hugging Face folder (replaces only an earlier export of this run)
  predict   (optional) scores the week's unlabelled documents with the exported model
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

MAIN_CLASS = "dev.sparkft.spark.cli.SparkFtCli"


@dataclass(frozen=True)
class Locations:
    """Where things are. Paths may be local to the driver host or Hadoop FS URIs, except output_root: run
    outputs (lock, report, metrics) are written on the driver host, so use client deploy mode."""

    application: str  # the application jar, sparkft-<version>.jar
    properties_file: str  # cluster-config/spark-defaults.conf (or a copy)
    config: str  # the run config, e.g. examples/spam-minilm.yaml
    data_root: str  # <data_root>/<date>/{train,test[,score]}: the week's raw text tables (Parquet)
    output_root: str  # <output_root>/<date>/: prepared data, checkpoints, report, model, predictions
    min_accuracy: str = "0.9"  # the evaluate gate; a string, so that a template can supply it
    predict: bool = True
    conf: Dict[str, str] = field(default_factory=dict)  # extra --conf key=value for every task


@dataclass(frozen=True)
class TaskSpec:
    """One spark-submit: the SparkSubmitOperator arguments of a task."""

    task_id: str
    application: str
    java_class: str
    properties_file: str
    name: str
    application_args: List[str]
    conf: Dict[str, str]

    def operator_kwargs(self) -> Dict[str, object]:
        return {
            "task_id": self.task_id,
            "application": self.application,
            "java_class": self.java_class,
            "properties_file": self.properties_file,
            "name": self.name,
            "application_args": list(self.application_args),
            "conf": dict(self.conf),
        }


def weekly_tasks(loc: Locations, date: str) -> List[TaskSpec]:
    """The tasks of the run for `date` (YYYY-MM-DD; the DAG passes the template "{{ ds }}"), in order."""
    data = f"{loc.data_root}/{date}"
    out = f"{loc.output_root}/{date}"
    run = [
        "--set", f"run.name=weekly-{date}",
        "--set", f"run.outputDir={out}",
        "--set", f"data.train={data}/train",
        "--set", f"data.validation={data}/test",
    ]
    jobs = [
        ("prepare", []),
        ("train", ["--resume"]),
        ("evaluate", ["--set", "evaluate.model=checkpoint", "--set", f"evaluate.outputDir={out}/evaluation",
                      "--min-metric", f"accuracy={loc.min_accuracy}"]),
        ("export", ["--set", f"export.dir={out}/model"]),
    ]
    if loc.predict:
        jobs.append(("predict", ["--set", f"predict.input={data}/score", "--set", f"predict.model={out}/model",
                                 "--set", f"predict.output={out}/predictions"]))
    return [
        TaskSpec(
            task_id=job,
            application=loc.application,
            java_class=MAIN_CLASS,
            properties_file=loc.properties_file,
            name=f"sparkft-{job}-{date}",
            application_args=[job, "--config", loc.config] + run + extra,
            conf=dict(loc.conf),
        )
        for job, extra in jobs
    ]


def spark_submit_command(spark_submit: str, master: str, task: TaskSpec,
                         deploy_mode: Optional[str] = None) -> List[str]:
    """The command line SparkSubmitOperator runs for `task` (the Apache Spark provider's SparkSubmitHook order:
    master, --conf pairs, --properties-file, --name, --class, --deploy-mode, application, its arguments)."""
    cmd = [spark_submit, "--master", master]
    for key, value in task.conf.items():
        cmd += ["--conf", f"{key}={value}"]
    cmd += ["--properties-file", task.properties_file, "--name", task.name, "--class", task.java_class]
    if deploy_mode:
        cmd += ["--deploy-mode", deploy_mode]
    return cmd + [task.application] + task.application_args


if __name__ == "__main__":
    # For tests and for a look at what a run submits: prints each task's command as JSON lines.
    #   python3 sparkft_pipeline.py SPARK_SUBMIT MASTER APPLICATION PROPERTIES CONFIG DATA_ROOT OUTPUT_ROOT DATE \
    #       [MIN_ACCURACY] [key=value --conf ...]
    import json
    import sys

    a = sys.argv[1:]
    if len(a) < 8:
        sys.exit(__doc__)
    extra_conf = dict(kv.split("=", 1) for kv in a[9:])
    locations = Locations(application=a[2], properties_file=a[3], config=a[4], data_root=a[5], output_root=a[6],
                          min_accuracy=a[8] if len(a) > 8 else "0.9", conf=extra_conf)
    for t in weekly_tasks(locations, a[7]):
        print(json.dumps({"task_id": t.task_id, "command": spark_submit_command(a[0], a[1], t)}))
