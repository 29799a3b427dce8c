package io.sparkgrad.predict;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop {@link Configuration} that can travel to the executors (in a broadcast), so that they
 * open files with the driver's settings ({@code spark.hadoop.*}, S3 credentials providers, …).
 * Written with the configuration's own {@code Writable} form.
 */
final class SerializableConfiguration implements Serializable {
  private static final long serialVersionUID = 1L;

  private transient Configuration conf;

  SerializableConfiguration(Configuration conf) {
    this.conf = conf;
  }

  Configuration get() {
    return conf;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
