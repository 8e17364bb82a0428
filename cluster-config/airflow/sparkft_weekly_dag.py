"""Airflow DAG: SparkFT's weekly fine-tune (prepare -> train -> evaluate gate -> export [-> predict]).

Each task is a spark-submit of the SparkFT application jar through the Apache Spark provider's
SparkSubmitOperator (pip install apache-airflow-providers-apache-spark; the connection `spark_default` names
the master, e.g. spark://master:7077, and the deploy mode: client, since run outputs are written where the
driver runs). The argument lists come from sparkft_pipeline.py, next to this file: copy both into the DAG
folder. Locations are Airflow Variables (Admin -> Variables), read when a task runs (Jinja templates, so
parsing the DAG file touches no database):

  sparkft_application      the jar, e.g. /opt/sparkft/sparkft-0.1.0-SNAPSHOT.jar or hdfs:///apps/sparkft.jar
  sparkft_properties_file  cluster-config/spark-defaults.conf on the Airflow worker
  sparkft_config           the run config (YAML), local or hdfs://...
  sparkft_data_root        the week's raw data lands in <root>/<ds>/{train,test,score}
  sparkft_output_root      outputs go to <root>/<ds>/ (prepared data, checkpoints, report, model, predictions)
  sparkft_min_accuracy     the evaluate gate, e.g. 0.9

Retries resume: train runs with --resume, which continues from the newest complete checkpoint and does
nothing for a run that finished, so a retried or cleared task never starts the week over.
"""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from sparkft_pipeline import Locations, weekly_tasks

locations = Locations(
    application="{{ var.value.sparkft_application }}",
    properties_file="{{ var.value.sparkft_properties_file }}",
    config="{{ var.value.sparkft_config }}",
    data_root="{{ var.value.sparkft_data_root }}",
    output_root="{{ var.value.sparkft_output_root }}",
    min_accuracy="{{ var.value.sparkft_min_accuracy }}",
)

with DAG(
    dag_id="sparkft_weekly_finetune",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 4, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one fine-tune at a time on the cluster
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["sparkft"],
) as dag:
    previous = None
    for spec in weekly_tasks(locations, "{{ ds }}"):  # application_args is a templated field
        task = SparkSubmitOperator(conn_id="spark_default", **spec.operator_kwargs())
        if previous is not None:
            previous >> task
        previous = task
