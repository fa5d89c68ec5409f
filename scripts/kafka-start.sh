#!/usr/bin/env bash
# Start a single-node KRaft Kafka broker (broker + controller in one JVM) for
# local development and CI. Everything lives in the git-ignored .kafka/ folder:
#
#   .kafka/libs/               broker jars (fetched by Maven from kafka/pom.xml)
#   .kafka/server.properties   generated on every start
#   .kafka/data/               log dirs + KRaft metadata
#   .kafka/broker.pid          pid of the running broker
#   .kafka/broker.log          broker stdout/stderr (previous run: broker.log.prev)
#
# Idempotent: if our broker is already running and answering, this is a no-op.
#
# Environment:
#   KAFKA_CLEAN=1            stop the broker if running, wipe its data folder, reformat
#   KAFKA_PORT=9092          client listener port (127.0.0.1)
#   KAFKA_CONTROLLER_PORT=9093  (changing it for existing data needs KAFKA_CLEAN=1)
#   KAFKA_DIR=.kafka         the broker's folder (properties, data, pid, log): another
#                            folder and other ports start a second, private broker
#                            beside the usual one (test/kafka/runtime/outage.test.ts);
#                            relative to the repository root unless absolute
#   KAFKA_LIBS=.kafka/libs   the jars, shared by every broker started from here
#   KAFKA_START_TIMEOUT=90   seconds to wait for the broker to answer
#   KAFKA_HEAP_OPTS="-Xmx512m -Xms256m"
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abs() { [[ "$1" == /* ]] && echo "$1" || echo "$ROOT/$1"; }
KDIR="$(abs "${KAFKA_DIR:-.kafka}")"
LIBS="$(abs "${KAFKA_LIBS:-.kafka/libs}")"
DATA="$KDIR/data"
PROPS="$KDIR/server.properties"
PIDFILE="$KDIR/broker.pid"
LOG="$KDIR/broker.log"
POM="$ROOT/kafka/pom.xml"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
# Fixed cluster id (base64url of the 16 bytes "weir-local-kafka"): the data
# directory is local and disposable, so a random id buys nothing.
CLUSTER_ID="d2Vpci1sb2NhbC1rYWZrYQ"
BROKERS="127.0.0.1:$PORT"

log() { echo "kafka-start: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

T0="$(now)"
mkdir -p "$KDIR"

running_pid() {
  # Prints the pid of our broker if the pid file points at a live kafka.Kafka JVM.
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() { # $1 = pid
  node "$ROOT/scripts/kafka-wait.mjs" --brokers "$BROKERS" --timeout-ms "$((TIMEOUT * 1000))" --pid "$1"
}

die() { echo "kafka-start: ERROR: $*" >&2; exit 1; }

fail() { # like die, plus the tail of the broker log
  echo "kafka-start: ERROR: $*" >&2
  if [[ -f "$LOG" ]]; then
    echo "---- last 50 lines of $LOG ----" >&2
    tail -n 50 "$LOG" >&2
    echo "----" >&2
  fi
  exit 1
}

# kafka-wait.mjs asks the broker with kafkajs: without node_modules every wait
# would fail as "did not answer", which hides the real cause.
[[ -d "$ROOT/node_modules/kafkajs" ]] || die "kafkajs is not installed: run 'npm ci' first"

# ---- clean / already running ------------------------------------------------
if [[ "${KAFKA_CLEAN:-0}" == "1" ]]; then
  if running_pid >/dev/null; then
    log "KAFKA_CLEAN=1: stopping the running broker first"
    KAFKA_DIR="$KDIR" bash "$ROOT/scripts/kafka-stop.sh"
  fi
  log "KAFKA_CLEAN=1: wiping $DATA"
  rm -rf "$DATA"
elif pid="$(running_pid)"; then
  if node "$ROOT/scripts/kafka-wait.mjs" --brokers "$BROKERS" --timeout-ms 5000 --pid "$pid" --quiet; then
    log "broker already running (pid $pid) and answering on $BROKERS"
    exit 0
  fi
  log "broker process $pid exists but is not answering yet; waiting"
  wait_ready "$pid" || fail "broker (pid $pid) did not become ready within ${TIMEOUT}s"
  log "broker ready on $BROKERS ($(elapsed "$T0"))"
  exit 0
fi
rm -f "$PIDFILE"

if port_open "$PORT" || port_open "$CPORT"; then
  die "port $PORT or $CPORT on 127.0.0.1 is already in use by a process not started by this script (no live pid in $PIDFILE); stop it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT"
fi

# ---- jars -------------------------------------------------------------------
command -v java >/dev/null || die "java not found on PATH (Java 17+ required)"
STAMP="$LIBS/.pom.sha256"
POM_SUM="$(sha256sum "$POM" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$POM_SUM" ]] || ! compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
  command -v mvn >/dev/null || die "mvn not found on PATH (needed once to fetch the Kafka jars into $LIBS)"
  T="$(now)"
  log "fetching Kafka jars with Maven into $LIBS"
  rm -rf "$LIBS"
  mkdir -p "$(dirname "$LIBS")"
  if ! (cd "$ROOT/kafka" && mvn -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$LIBS") \
    >"$KDIR/maven.log" 2>&1; then
    tail -n 50 "$KDIR/maven.log" >&2
    die "Maven could not fetch the Kafka jars (full output: $KDIR/maven.log)"
  fi
  echo "$POM_SUM" >"$STAMP"
  log "jars fetched ($(elapsed "$T"))"
fi

# ---- config -----------------------------------------------------------------
cat >"$PROPS" <<PROPS
# Generated by scripts/kafka-start.sh on every start; edit the script instead.
# Single-node KRaft: this JVM is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA

# One node: every internal topic must live with replication factor 1.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.num.partitions=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
min.insync.replicas=1
default.replication.factor=1
num.partitions=1

# Consumers join immediately instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# weir creates its own topics explicitly (with the partition counts the
# topology needs); an auto-created topic would hide a missing create.
auto.create.topics.enable=false
# Default (15 min) upper bound for a producer's transaction.timeout.ms.
transaction.max.timeout.ms=900000

# Keep the dev/CI broker light on 2 cores.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
# Never delete by time: retention judges records by their timestamps, and
# tests and examples carry event times from the past (2023), which a 7-day
# retention would delete under a running test. (Repartition topics are created
# with retention.ms=-1 by weir itself, as Kafka Streams does.)
log.retention.ms=-1
# The compaction dedupe buffer defaults to 128 MiB; far too much for a 512 MiB heap.
log.cleaner.dedupe.buffer.size=16777216
log.segment.bytes=104857600
PROPS

# ---- format -----------------------------------------------------------------
if [[ ! -f "$DATA/meta.properties" ]]; then
  T="$(now)"
  mkdir -p "$DATA"
  java -cp "$LIBS/*" -Dlog4j2.configurationFile="$ROOT/kafka/log4j2.properties" \
    kafka.tools.StorageTool format --cluster-id "$CLUSTER_ID" --config "$PROPS" --standalone \
    >"$KDIR/format.log" 2>&1 || { tail -n 50 "$KDIR/format.log" >&2; die "storage format failed (full output: $KDIR/format.log)"; }
  log "formatted $DATA (cluster id $CLUSTER_ID) ($(elapsed "$T"))"
fi

# ---- launch -----------------------------------------------------------------
[[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.prev"
T="$(now)"
# shellcheck disable=SC2086 # HEAP is intentionally word-split
setsid nohup java $HEAP -server -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$ROOT/kafka/log4j2.properties" \
  -cp "$LIBS/*" kafka.Kafka "$PROPS" </dev/null >"$LOG" 2>&1 &
PID=$!
echo "$PID" >"$PIDFILE"
log "started broker pid $PID, waiting for $BROKERS (up to ${TIMEOUT}s)"

if ! wait_ready "$PID"; then
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$PID" 2>/dev/null || true
    rm -f "$PIDFILE"
    fail "broker did not answer on $BROKERS within ${TIMEOUT}s (killed it)"
  fi
  rm -f "$PIDFILE"
  fail "broker process exited during startup"
fi
log "broker ready on $BROKERS (launch $(elapsed "$T"), total $(elapsed "$T0"))"
