package org.vigil.replay.spark;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One partition through the TypeScript engine: a `replay rescore --input - --out - --shard i/N`
 * process, check-in lines written to its standard input by a thread (as Spark's own RDD.pipe does),
 * its tagged output lines read back lazily, each prefixed with the partition index. A worker that
 * exits non-zero fails the task, naming its shard and quoting the end of its standard error.
 */
final class EngineWorker {
  private static final int STDERR_KEEP = 4000;

  private final List<String> command;
  private final int index;
  private final int count;

  EngineWorker(List<String> base, int index, int count) {
    this.command = new ArrayList<>(base);
    this.command.addAll(List.of("--shard", index + "/" + count));
    this.index = index;
    this.count = count;
  }

  Iterator<String> run(Iterator<String> input) throws IOException {
    Process p = new ProcessBuilder(command).start();
    StringBuilder stderr = new StringBuilder();
    Thread err = new Thread(() -> keepTail(p.getErrorStream(), stderr), "replay-stderr-" + index);
    err.setDaemon(true);
    err.start();
    Throwable[] feedError = new Throwable[1];
    Thread feed = new Thread(() -> {
      try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), 1 << 20)) {
        while (input.hasNext()) {
          w.write(input.next());
          w.write('\n');
        }
      } catch (Throwable t) {
        feedError[0] = t;
      }
    }, "replay-stdin-" + index);
    feed.setDaemon(true);
    feed.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8), 1 << 20);
    String prefix = index + "\t";
    return new Iterator<>() {
      private String next = advance();

      private String advance() {
        try {
          String line = out.readLine();
          if (line != null) return prefix + line;
          int code = p.waitFor();
          feed.join();
          err.join();
          if (code != 0) {
            String tail;
            synchronized (stderr) {
              tail = stderr.toString().trim();
            }
            throw new IllegalStateException("shard " + index + "/" + count + " failed (exit " + code + "): " + tail);
          }
          if (feedError[0] != null) throw new IllegalStateException("shard " + index + "/" + count + ": feeding the worker failed", feedError[0]);
          return null;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          p.destroyForcibly();
          Thread.currentThread().interrupt();
          throw new IllegalStateException("shard " + index + "/" + count + " interrupted", e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public String next() {
        if (next == null) throw new NoSuchElementException();
        String r = next;
        next = advance();
        return r;
      }
    };
  }

  private static void keepTail(InputStream in, StringBuilder into) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (into) {
          into.append(line).append('\n');
          if (into.length() > STDERR_KEEP) into.delete(0, into.length() - STDERR_KEEP);
        }
      }
    } catch (IOException e) {
      // The process ended; what was read is kept.
    }
  }
}
