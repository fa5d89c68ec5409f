package dev.weir.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The example topologies of weir (examples/wordcount.weir, revenue.weir,
 * enrich.weir) written with the Kafka Streams DSL, so that the benchmark runs
 * both on the same input and checks both produce the same results: the same
 * topics, keys (strings) and values (JSON text), the same windows and join.
 *
 * <pre>
 * java -jar weir-bench-kafka-streams.jar TOPOLOGY --brokers HOST:PORT --application-id ID
 *     [--guarantee exactly_once|at_least_once] [--cache-max-bytes N]
 *     [--topic NAME=ACTUAL ...]
 * </pre>
 *
 * Runs until SIGTERM, then closes cleanly (which commits). Prints "running"
 * once the application reaches RUNNING.
 */
public final class BenchStreams {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern WORD = Pattern.compile("[a-z]+");

  public static void main(String[] args) throws Exception {
    // Kafka's own warnings and errors only (slf4j-simple reads this once).
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    if (args.length == 0) usage("missing TOPOLOGY");
    String topologyName = args[0];
    String brokers = null;
    String applicationId = null;
    String guarantee = "exactly_once";
    String cacheMaxBytes = null;
    Map<String, String> topics = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) usage("missing value after " + flag);
      String value = args[++i];
      switch (flag) {
        case "--brokers" -> brokers = value;
        case "--application-id" -> applicationId = value;
        case "--guarantee" -> guarantee = value;
        case "--cache-max-bytes" -> cacheMaxBytes = value;
        case "--topic" -> {
          int eq = value.indexOf('=');
          if (eq < 1) usage("--topic takes NAME=ACTUAL, not " + value);
          topics.put(value.substring(0, eq), value.substring(eq + 1));
        }
        default -> usage("unknown option " + flag);
      }
    }
    if (brokers == null || applicationId == null) usage("--brokers and --application-id are required");

    Topology topology = switch (topologyName) {
      case "wordcount" -> wordcount(topics);
      case "revenue" -> revenue(topics);
      case "enrich" -> enrich(topics);
      default -> { usage("unknown topology " + topologyName); yield null; }
    };

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        switch (guarantee) {
          case "exactly_once" -> StreamsConfig.EXACTLY_ONCE_V2;
          case "at_least_once" -> StreamsConfig.AT_LEAST_ONCE;
          default -> { usage("--guarantee is exactly_once or at_least_once, not " + guarantee); yield null; }
        });
    // Kafka Streams' default under exactly-once, and weir's default for both
    // guarantees (at_least_once would otherwise commit every 30 s).
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    if (cacheMaxBytes != null) props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(cacheMaxBytes));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("weir-bench-kafka-streams-").toString());

    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) System.out.println("running");
      if (now == KafkaStreams.State.ERROR) {
        System.err.println("kafka-streams: the application failed (state ERROR)");
        stopped.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }

  private static void usage(String problem) {
    System.err.println("kafka-streams bench: " + problem
        + " (usage: TOPOLOGY --brokers HOST:PORT --application-id ID [--guarantee G] [--cache-max-bytes N] [--topic NAME=ACTUAL ...])");
    System.exit(2);
  }

  private static String topic(Map<String, String> topics, String name) {
    return topics.getOrDefault(name, name);
  }

  /** examples/wordcount.weir: the running count of each word (runs of a-z after lowercasing). */
  static Topology wordcount(Map<String, String> topics) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic(topics, "text-lines"), Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(BenchStreams::extractWords)
        .groupBy((key, word) -> word, Grouped.with("counts", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .mapValues(count -> Long.toString(count))
        .to(topic(topics, "word-counts"), Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  static List<String> extractWords(String line) {
    List<String> words = new ArrayList<>();
    Matcher matcher = WORD.matcher(line.toLowerCase(Locale.ROOT));
    while (matcher.find()) words.add(matcher.group());
    return words;
  }

  /**
   * examples/revenue.weir: revenue per customer and 1-minute tumbling window
   * (grace 0), event time from the order's ts; every change of a window is
   * emitted, keyed by customer, the window's bounds in the value.
   */
  static Topology revenue(Map<String, String> topics) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic(topics, "orders"),
            Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new OrderTime()))
        .groupBy((key, order) -> parse(order).get("customerId").asText(),
            Grouped.with("revenue", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMinutes(1), Duration.ZERO))
        // The aggregate as JSON text {"total":..,"count":..}: a String serde
        // keeps the store readable and needs no custom serde.
        .aggregate(
            () -> "{\"total\":0,\"count\":0}",
            (customer, order, aggregate) -> {
              ObjectNode sum = (ObjectNode) parse(aggregate);
              sum.put("total", sum.get("total").asDouble() + parse(order).get("amount").asDouble());
              sum.put("count", sum.get("count").asLong() + 1);
              return write(sum);
            },
            Materialized.<String, String, org.apache.kafka.streams.state.WindowStore<org.apache.kafka.common.utils.Bytes, byte[]>>as("revenue")
                .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
        .toStream()
        .map((window, aggregate) -> {
          JsonNode sum = parse(aggregate);
          ObjectNode value = JSON.createObjectNode();
          value.put("customerId", window.key());
          value.put("windowStart", window.window().start());
          value.put("windowEnd", window.window().end());
          value.set("total", sum.get("total"));
          value.set("count", sum.get("count"));
          return KeyValue.pair(window.key(), write(value));
        })
        .to(topic(topics, "revenue-per-minute"), Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  /**
   * examples/enrich.weir: orders rekeyed by customer and joined (inner,
   * stream-table) with the latest customer as of the order's event time.
   */
  static Topology enrich(Map<String, String> topics) {
    StreamsBuilder builder = new StreamsBuilder();
    KTable<String, String> customers = builder.table(topic(topics, "customers"),
        Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("customers"));
    KStream<String, String> orders = builder.stream(topic(topics, "orders"),
        Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new OrderTime()));
    orders
        .selectKey((key, order) -> parse(order).get("customerId").asText())
        .join(customers, (orderText, customerText) -> {
          JsonNode order = parse(orderText);
          JsonNode customer = parse(customerText);
          ObjectNode value = JSON.createObjectNode();
          value.set("orderId", order.get("id"));
          value.set("customerId", order.get("customerId"));
          value.set("amount", order.get("amount"));
          value.set("name", customer.get("name"));
          value.set("tier", customer.get("tier"));
          return write(value);
        }, Joined.with(Serdes.String(), Serdes.String(), Serdes.String(), "enriched"))
        .to(topic(topics, "orders-enriched"), Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  /** Event time from the order's "ts" (epoch milliseconds), as `event time ts`. */
  static final class OrderTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      return parse((String) record.value()).get("ts").asLong();
    }
  }

  static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
