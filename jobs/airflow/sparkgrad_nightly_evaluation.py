"""Nightly evaluation of a sparkgrad model with Airflow's SparkSubmitOperator.

The same application and arguments as jobs/evaluate-nightly.sh: `sparkgrad evaluate` appends one
row to the metrics table (Parquet, partitioned by run_date), writes the HTML report beside it,
and exits non-zero when the model fails (7: accuracy below --min-accuracy; the row is written
all the same). spark-submit returns that code and the operator fails the task, so Airflow's
alerting (email_on_failure, on_failure_callback) sees it.

Needs apache-airflow-providers-apache-spark and a Spark connection (`spark_default`: its host is
the master, e.g. yarn or spark://host:7077, and spark-submit must be on the worker's PATH or in
the connection's extras). Settings come from Airflow Variables, with these defaults:

  sparkgrad_jar           /opt/sparkgrad/target/sparkgrad.jar  (mvn -DskipTests package)
  sparkgrad_model         hdfs:///models/mnist-current
  sparkgrad_data          hdfs:///datasets/mnist
  sparkgrad_metrics       hdfs:///metrics/sparkgrad-evaluations
  sparkgrad_min_accuracy  0.97

--run-date is the run's logical date ({{ ds }}), so a re-run or a backfill writes the partition
of the date it stands for. (With a cron schedule Airflow 2 gives the start of the data interval:
the run that starts at 02:30 on the 2nd has ds = the 1st.)
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = Variable.get("sparkgrad_jar", default_var="/opt/sparkgrad/target/sparkgrad.jar")
MODEL = Variable.get("sparkgrad_model", default_var="hdfs:///models/mnist-current")
DATA = Variable.get("sparkgrad_data", default_var="hdfs:///datasets/mnist")
METRICS = Variable.get("sparkgrad_metrics", default_var="hdfs:///metrics/sparkgrad-evaluations")
MIN_ACCURACY = Variable.get("sparkgrad_min_accuracy", default_var="0.97")
# The native OpenBLAS jar (org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64) sent with the job,
# as jobs/evaluate-nightly.sh does, so executors without a system BLAS run native (README: Native
# BLAS). Empty: send none.
OPENBLAS_JAR = Variable.get("sparkgrad_openblas_jar", default_var="")

with DAG(
    dag_id="sparkgrad_nightly_evaluation",
    description="Evaluate the current sparkgrad model; append to the metrics table",
    schedule="30 2 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "ml",
        # A model below the threshold stays below it: retry only for infrastructure failures,
        # once, after a pause (the operator cannot tell the two apart by exit code).
        "retries": 1,
        "retry_delay": timedelta(minutes=15),
        "email_on_failure": True,
    },
    tags=["sparkgrad", "evaluation"],
) as dag:
    evaluate = SparkSubmitOperator(
        task_id="evaluate",
        conn_id="spark_default",
        application=JAR,
        java_class="io.sparkgrad.cli.Main",
        name="sparkgrad-evaluate-nightly",
        conf={"spark.executorEnv.OPENBLAS_NUM_THREADS": "1"},
        jars=OPENBLAS_JAR or None,
        application_args=[
            "evaluate",
            "--model", MODEL,
            "--data", DATA,
            "--metrics-out", METRICS,
            "--min-accuracy", MIN_ACCURACY,
            "--run-date", "{{ ds }}",
        ],
        execution_timeout=timedelta(hours=2),
    )
