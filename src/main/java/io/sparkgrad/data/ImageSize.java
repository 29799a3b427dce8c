package io.sparkgrad.data;

import io.sparkgrad.model.ModelFormatException;
import io.sparkgrad.model.ModelStore;
import java.io.Serializable;

/** The image size a model was trained on: {@code rows × cols = inputs}. */
public record ImageSize(int rows, int cols) implements Serializable {

  public ImageSize {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException(
          "image size: expected positive rows and columns; found " + rows + "×" + cols);
    }
  }

  public int pixels() {
    return rows * cols;
  }

  /**
   * The {@code architecture.image_rows} and {@code image_cols} of a model's metadata, refused
   * unless both are positive and their product is the model's input count.
   */
  public static ImageSize of(ModelStore.LoadedModel model) {
    String file = model.folder() + "/" + ModelStore.METADATA;
    int rows = model.imageRows();
    int cols = model.imageCols();
    int inputs = model.spec().inputs();
    if (rows < 1 || cols < 1 || (long) rows * cols != inputs) {
      throw new ModelFormatException(file + ": architecture.image_rows×image_cols: expected two"
          + " positive sizes whose product is the " + inputs + " inputs; found "
          + model.metadata().path("architecture").path("image_rows") + "×"
          + model.metadata().path("architecture").path("image_cols"));
    }
    return new ImageSize(rows, cols);
  }

  @Override
  public String toString() {
    return rows + "×" + cols;
  }
}
