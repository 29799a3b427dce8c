package io.sparkgrad.training;

/** A Spark job failed for a reason other than divergence; carries Spark's exception. */
public class SparkJobException extends RuntimeException {
  public SparkJobException(Exception cause) {
    super(cause.getMessage(), cause);
  }
}
