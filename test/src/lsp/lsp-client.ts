// A language client for the server's tests: real protocol messages over a pair of
// in-memory streams, the server's side made by vscode-languageserver exactly as
// `weir lsp --stdio` makes it over stdin and stdout.
import { PassThrough } from "node:stream";
import {
  createConnection,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type Position,
  type PublishDiagnosticsParams,
} from "vscode-languageserver/node";
import { serveWeir } from "../../../src/lsp/server.ts";

export interface TestClient {
  readonly connection: MessageConnection;
  /** The next diagnostics published for `uri` (from now on). */
  nextDiagnostics(uri: string): Promise<PublishDiagnosticsParams>;
  request<T>(method: string, params: unknown): Promise<T>;
  notify(method: string, params: unknown): Promise<void>;
}

export function startInProcessServer(): TestClient {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  serveWeir(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
  const connection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const waiting: { uri: string; resolve: (params: PublishDiagnosticsParams) => void }[] = [];
  connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    const index = waiting.findIndex((w) => w.uri === params.uri);
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(params);
  });
  connection.listen();
  return {
    connection,
    nextDiagnostics: (uri) => new Promise((resolve) => waiting.push({ uri, resolve })),
    request: (method, params) => connection.sendRequest(method, params),
    notify: (method, params) => connection.sendNotification(method, params),
  };
}

/** The position of the `occurrence`-th (0-based) `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, { occurrence = 0, delta = 0 } = {}): Position {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`'${needle}' (occurrence ${occurrence}) is not in the text`);
  }
  offset += delta;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** The position just after the text: where a cursor is after typing it all. */
export function endOf(text: string): Position {
  const lines = text.split("\n");
  return { line: lines.length - 1, character: lines[lines.length - 1]!.length };
}
