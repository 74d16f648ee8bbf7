package dev.kindred.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/**
 * The JSON lines of the {@code --json} outputs (benchmark rows, measurements, evaluations),
 * written by Gson: maps in iteration order, nulls kept, no HTML escaping, and numbers as the
 * rows have always shown them: an integral double as an integer ({@code 3}, not {@code 3.0}),
 * NaN and the infinities as {@code null}.
 */
public final class JsonLines {
  private JsonLines() {}

  /** Doubles and floats: integral ones (below 1e15) as integers, non-finite ones as null. */
  private static final TypeAdapter<Number> FLOATING = new TypeAdapter<>() {
    @Override
    public void write(JsonWriter out, Number value) throws IOException {
      if (value == null || !Double.isFinite(value.doubleValue())) {
        out.nullValue();
        return;
      }
      double d = value.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        out.value((long) d);
      } else {
        out.jsonValue(Double.toString(d).replace('E', 'e'));
      }
    }

    @Override
    public Number read(JsonReader in) {
      throw new UnsupportedOperationException("JsonLines only writes");
    }
  };

  private static final Gson GSON = new GsonBuilder()
      .serializeNulls()
      .disableHtmlEscaping()
      .registerTypeAdapter(Double.class, FLOATING)
      .registerTypeAdapter(double.class, FLOATING)
      .registerTypeAdapter(Float.class, FLOATING)
      .registerTypeAdapter(float.class, FLOATING)
      .create();

  /** {@code value} (maps, lists, arrays, strings, numbers, booleans) as one line of JSON. */
  public static String write(Object value) {
    return GSON.toJson(value);
  }
}
