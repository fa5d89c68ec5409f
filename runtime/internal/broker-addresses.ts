// Bootstrap broker addresses: one rule for every place that takes them (the
// Kafka engine's settings, `weir run/produce/consume --brokers`,
// WEIR_BROKERS), checked before anything connects. kafkajs itself takes
// "notahost" for a host with port NaN and retries it for half a minute.

/** What a list of broker addresses must look like, to say so. */
export const BROKER_ADDRESSES_EXPECTED = "host:port, several separated by commas (for example kafka-1:9092,kafka-2:9092)";

/** The addresses of a comma-separated list (or a list), trimmed, empty ones dropped. */
export function splitBrokerAddresses(brokers: string | readonly string[]): string[] {
  return (typeof brokers === "string" ? brokers.split(",") : [...brokers]).map((broker) => broker.trim()).filter(Boolean);
}

/** `host:port` with a port from 1 to 65535 (kafkajs splits at the colon: no IPv6 literals). */
export function isBrokerAddress(address: string): boolean {
  const match = /^[^\s:,/]+:(\d{1,5})$/.exec(address);
  return match !== null && Number(match[1]) >= 1 && Number(match[1]) <= 65535;
}

/** Whether a list names at least one broker and every address is host:port. */
export function areBrokerAddresses(brokers: readonly string[]): boolean {
  return brokers.length > 0 && brokers.every(isBrokerAddress);
}
