package io.sparkgrad.config;

/** A configuration value that is missing, malformed or out of range; names the key. */
public class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
