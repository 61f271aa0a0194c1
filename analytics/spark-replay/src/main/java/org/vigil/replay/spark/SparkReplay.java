package org.vigil.replay.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * `replay rescore` on Apache Spark (issue #22; apps/replay/README.md "Past one machine").
 *
 * <p>Reads a `replay export` of check-ins (NDJSON, or Parquet through its `cloudevent` column),
 * partitions it by (tenant, patient) into N partitions, and pipes partition i through the
 * TypeScript engine: `replay rescore --input - --out - --shard i/N`, NDJSON CloudEvents on its
 * standard input, `<file>\t<line>` lines and a final `shard\t<shard.json>` on its standard output
 * (each patient is in one partition, so a partition is a shard of the run). The driver writes
 * each partition's lines into a shard directory and runs `replay merge`, which writes the usual
 * files: the same bytes as one `replay rescore --input` of the same export, for any N.
 *
 * <p>Usage: SparkReplay --input PATH --format ndjson|parquet --out DIR --partitions N
 * [--work DIR] -- REPLAY-COMMAND... -- RESCORE-OPTIONS... (e.g. --model v1 --from ... --to ...).
 * The master comes from spark-submit (or -Dspark.master=local[2]).
 */
public final class SparkReplay {
  private SparkReplay() {}

  /** The options of one run. */
  record Options(String input, String format, Path out, Path work, int partitions, List<String> replay, List<String> rescore) {}

  static Options parse(String[] args) {
    Map<String, String> named = new HashMap<>();
    int i = 0;
    while (i < args.length && !args[i].equals("--")) {
      if (i + 1 >= args.length || !args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
      named.put(args[i].substring(2), args[i + 1]);
      i += 2;
    }
    List<String> replay = new ArrayList<>();
    for (i++; i < args.length && !args[i].equals("--"); i++) replay.add(args[i]);
    List<String> rescore = new ArrayList<>();
    for (i++; i < args.length; i++) rescore.add(args[i]);
    for (String req : List.of("input", "format", "out", "partitions")) {
      if (!named.containsKey(req)) throw new IllegalArgumentException("--" + req + " is required");
    }
    String format = named.get("format");
    if (!format.equals("ndjson") && !format.equals("parquet")) throw new IllegalArgumentException("--format must be ndjson or parquet");
    if (replay.isEmpty()) throw new IllegalArgumentException("give the replay command after --");
    Path out = Path.of(named.get("out"));
    Path work = Path.of(named.getOrDefault("work", out.resolve(".spark-shards").toString()));
    return new Options(named.get("input"), format, out, work, Integer.parseInt(named.get("partitions")), replay, rescore);
  }

  /** Check-in lines with their tenant and patient, from either export format. */
  static Dataset<Row> checkIns(SparkSession spark, Options o) {
    if (o.format().equals("parquet")) {
      return spark.read().parquet(o.input())
          .where(col("cloudevent").isNotNull())
          .select(col("tenant_id").as("tenant"), col("patient_id").as("patient"), col("cloudevent").as("line"));
    }
    return spark.read().text(o.input())
        .where("trim(value) <> ''")
        .select(get_json_object(col("value"), "$.tenantid").as("tenant"), get_json_object(col("value"), "$.subject").as("patient"), col("value").as("line"));
  }

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    long started = System.nanoTime();
    SparkSession spark = SparkSession.builder().appName("vigil-replay-rescore").getOrCreate();
    try {
      Dataset<Row> rows = checkIns(spark, o);
      // One patient, one partition: the partition is a shard of the run.
      JavaRDD<String> lines = rows.repartition(o.partitions(), col("tenant"), col("patient")).select(col("line")).as(org.apache.spark.sql.Encoders.STRING()).javaRDD();
      List<String> worker = new ArrayList<>(o.replay());
      worker.addAll(List.of("rescore", "--input", "-", "--out", "-", "--progress", "none"));
      worker.addAll(o.rescore());
      int n = o.partitions();
      JavaRDD<String> scored = lines.mapPartitionsWithIndex((index, it) -> new EngineWorker(worker, index, n).run(it), true);
      scored.persist(StorageLevel.MEMORY_AND_DISK());
      long outputLines = scored.count(); // runs every partition in parallel; the driver then reads them in order
      long checkIns = lines.count();
      try {
        List<String> shards = writeShards(scored.toLocalIterator(), o.work(), n);
        scored.unpersist(false);
        merge(o, shards);
      } finally {
        deleteTree(o.work()); // the shard directories are scratch, finished or not
      }
      double secs = (System.nanoTime() - started) / 1e9;
      System.err.printf("spark-replay: %d check-in lines in %d partitions, %d output lines, %.1f s%n", checkIns, n, outputLines, secs);
    } finally {
      spark.stop();
    }
  }

  /** Each partition's tagged lines into `<work>/shard-i/<file>.ndjson` and `shard.json`. */
  static List<String> writeShards(Iterator<String> it, Path work, int n) throws IOException {
    deleteTree(work);
    List<String> dirs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path d = work.resolve("shard-" + i);
      Files.createDirectories(d);
      dirs.add(d.toString());
    }
    Map<String, BufferedWriter> open = new HashMap<>();
    int current = -1;
    try {
      while (it.hasNext()) {
        String tagged = it.next();
        int a = tagged.indexOf('\t');
        int b = tagged.indexOf('\t', a + 1);
        int shard = Integer.parseInt(tagged.substring(0, a));
        String file = tagged.substring(a + 1, b);
        String line = tagged.substring(b + 1);
        if (shard != current) {
          closeAll(open);
          current = shard;
        }
        String name = file.equals("shard") ? "shard.json" : file + ".ndjson";
        BufferedWriter w = open.get(name);
        if (w == null) {
          w = Files.newBufferedWriter(work.resolve("shard-" + shard).resolve(name), StandardCharsets.UTF_8);
          open.put(name, w);
        }
        w.write(line);
        w.write('\n');
      }
    } finally {
      closeAll(open);
    }
    return dirs;
  }

  private static void closeAll(Map<String, BufferedWriter> open) throws IOException {
    for (BufferedWriter w : open.values()) w.close();
    open.clear();
  }

  /** `replay merge` of the shard directories into --out (it refuses a missing or unfinished shard). */
  static void merge(Options o, List<String> shards) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(o.replay());
    cmd.addAll(List.of("merge", "--shards", String.join(",", shards), "--out", o.out().toString(), "--progress", "none"));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("replay merge did not finish in 30 minutes");
    }
    if (p.exitValue() != 0) throw new IllegalStateException("replay merge failed (exit " + p.exitValue() + ")");
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
