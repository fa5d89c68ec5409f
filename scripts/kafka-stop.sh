#!/usr/bin/env bash
# Stop the broker started by scripts/kafka-start.sh. No-op if it is not running.
# SIGTERM (controlled shutdown), wait up to KAFKA_STOP_TIMEOUT (30) seconds,
# then SIGKILL. Data in .kafka/data is kept (use KAFKA_CLEAN=1 on start to wipe).
#
# Environment:
#   KAFKA_DIR=.kafka         the broker's folder, as for kafka-start.sh
#   KAFKA_STOP_SIGNAL=TERM   KILL: a hard kill at once (no controlled shutdown:
#                            what a crashed broker leaves, open transactions included)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KDIR="${KAFKA_DIR:-.kafka}"
[[ "$KDIR" == /* ]] || KDIR="$ROOT/$KDIR"
PIDFILE="$KDIR/broker.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
SIGNAL="${KAFKA_STOP_SIGNAL:-TERM}"
[[ "$SIGNAL" == TERM || "$SIGNAL" == KILL ]] || { echo "kafka-stop: KAFKA_STOP_SIGNAL must be TERM or KILL, not $SIGNAL" >&2; exit 2; }

log() { echo "kafka-stop: $*"; }

if [[ ! -f "$PIDFILE" ]]; then
  log "not running (no $PIDFILE)"
  exit 0
fi
PID="$(cat "$PIDFILE" 2>/dev/null || true)"
if ! [[ "$PID" =~ ^[0-9]+$ ]] || ! kill -0 "$PID" 2>/dev/null; then
  log "not running (stale pid file), removing it"
  rm -f "$PIDFILE"
  exit 0
fi
# Guard against a recycled pid: only signal a kafka.Kafka JVM.
if ! tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
  log "pid $PID is not a Kafka broker (stale pid file), removing it"
  rm -f "$PIDFILE"
  exit 0
fi

START=$SECONDS
log "stopping broker pid $PID (SIG$SIGNAL)"
kill "-$SIGNAL" "$PID" 2>/dev/null || true
while kill -0 "$PID" 2>/dev/null; do
  if (( SECONDS - START >= TIMEOUT )); then
    log "broker did not exit within ${TIMEOUT}s, sending SIGKILL"
    kill -KILL "$PID" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 0.2
done
rm -f "$PIDFILE"
log "stopped ($((SECONDS - START))s)"
