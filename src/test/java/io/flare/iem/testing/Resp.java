package io.flare.iem.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking RESP2 client for one command to one Redis node, for test set-up on the JUnit thread
 * (forming a cluster, reading a key where it lives): no pool, no redirection, no cluster logic.
 * Replies: a simple string or bulk string as {@code String} (null bulk as {@code null}), an integer
 * as {@code Long}, an array as {@code List<Object>}; an error reply throws.
 */
public final class Resp {

  private Resp() {}

  public static Object call(int port, String... args) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(bytes);
        request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write(request.toByteArray());
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()), String.join(" ", args));
    } catch (IOException e) {
      throw new UncheckedIOException("redis on port " + port + ": " + args[0], e);
    }
  }

  private static Object read(InputStream in, String command) throws IOException {
    int type = in.read();
    String line = line(in);
    return switch (type) {
      case '+' -> line;
      case '-' -> throw new IllegalStateException("redis refused " + command + ": " + line);
      case ':' -> Long.parseLong(line);
      case '$' -> {
        int length = Integer.parseInt(line);
        if (length < 0) {
          yield null;
        }
        byte[] bytes = in.readNBytes(length);
        line(in);
        yield new String(bytes, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int count = Integer.parseInt(line);
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          items.add(read(in, command));
        }
        yield items;
      }
      default -> throw new IOException("unexpected RESP type " + type + " answering " + command);
    };
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\r') {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      bytes.write(b);
    }
    in.read(); // \n
    return bytes.toString(StandardCharsets.US_ASCII);
  }
}
