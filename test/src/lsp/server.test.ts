// The language server over JSON-RPC, in process: real protocol messages between a
// client connection and the server's, over in-memory streams (lsp-client.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { CodeLens, CompletionItem, CompletionList, DocumentSymbol, Hover, InitializeResult, Location, TextEdit } from "vscode-languageserver/node";
import { format } from "../../../src/index.ts";
import { dedent } from "../../helpers/dedent.ts";
import { endOf, positionOf, startInProcessServer, type TestClient } from "./lsp-client.ts";

const root = join(import.meta.dirname, "..", "..", "..");
// The shop fixture imports TypeScript functions from ./udfs.ts, next to it.
const shopPath = join(root, "test", "fixtures", "shop", "input.weir");
const shopText = readFileSync(shopPath, "utf8");
const shopUri = pathToFileURL(shopPath).href;
/** A document beside the shop fixture, so that its imports resolve as the fixture's do. */
const uriBesideShop = (name: string) => pathToFileURL(join(root, "test", "fixtures", "shop", `${name}.weir`)).href;

let client: TestClient;
let versions = 0;

async function open(uri: string, text: string): Promise<void> {
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "weir", version: ++versions, text } });
}

async function openAndWait(uri: string, text: string) {
  const diagnostics = client.nextDiagnostics(uri);
  await open(uri, text);
  return diagnostics;
}

const hover = (uri: string, position: { line: number; character: number }) => client.request<Hover | null>("textDocument/hover", { textDocument: { uri }, position });
const definition = (uri: string, position: { line: number; character: number }) =>
  client.request<Location | null>("textDocument/definition", { textDocument: { uri }, position });
async function completion(uri: string, position: { line: number; character: number }): Promise<string[]> {
  const result = await client.request<CompletionItem[] | CompletionList>("textDocument/completion", { textDocument: { uri }, position });
  return (Array.isArray(result) ? result : result.items).map((item) => item.label);
}
const hoverText = (result: Hover | null) => (result && typeof result.contents === "object" && "value" in result.contents ? result.contents.value : "");

beforeAll(async () => {
  client = startInProcessServer();
  const result = await client.request<InitializeResult>("initialize", { processId: null, rootUri: null, capabilities: {} });
  expect(result.capabilities.hoverProvider).toBe(true);
  await client.notify("initialized", {});
  // The shop fixture is open throughout: its analysis reads udfs.ts once.
  const diagnostics = await openAndWait(shopUri, shopText);
  expect(diagnostics.diagnostics).toEqual([]);
});

describe("diagnostics as you type", () => {
  const uri = "file:///tmp/weir-lsp-test/broken.weir";
  const broken = dedent`
    application a
    schema Order { id: string, amount: number }
    stream orders from topic "orders" key string value json Order
    stream big = ordrs | where amount > 100
    sink big to topic "big"
  `;

  it("publishes the compiler's diagnostic with its code, range, message and hint", async () => {
    const { diagnostics } = await openAndWait(uri, broken);
    expect(diagnostics).toHaveLength(1);
    const [diagnostic] = diagnostics;
    expect(diagnostic!.code).toBe("WEIR2003");
    expect(diagnostic!.source).toBe("weir");
    expect(diagnostic!.severity).toBe(1);
    expect(diagnostic!.range).toEqual({ start: positionOf(broken, "ordrs"), end: positionOf(broken, "ordrs", { delta: 5 }) });
    expect(diagnostic!.message).toBe("unknown stream or table 'ordrs'\nhint: did you mean 'orders'?");
  });

  it("publishes again on each change: fixed, nothing; a syntax error, its code", async () => {
    let next = client.nextDiagnostics(uri);
    const fixed = broken.replace("ordrs", "orders");
    await client.notify("textDocument/didChange", { textDocument: { uri, version: ++versions }, contentChanges: [{ text: fixed }] });
    expect((await next).diagnostics).toEqual([]);

    next = client.nextDiagnostics(uri);
    // An incremental change: `where` becomes `wher` (a misspelt step).
    const start = positionOf(fixed, "where", { delta: 4 });
    await client.notify("textDocument/didChange", {
      textDocument: { uri, version: ++versions },
      contentChanges: [{ range: { start, end: { ...start, character: start.character + 1 } }, text: "" }],
    });
    const { diagnostics } = await next;
    expect(diagnostics.map((d) => d.code)).toEqual(["WEIR1002"]);
    expect(diagnostics[0]!.range.start).toEqual(positionOf(fixed, "where"));
    expect(diagnostics[0]!.message).toContain("hint: did you mean 'where'?");
  });

  it("names the places a diagnostic points at as related information", async () => {
    const twice = `${broken.replace("ordrs", "orders")}\nstream orders = big\n`;
    const { diagnostics } = await openAndWait("file:///tmp/weir-lsp-test/twice.weir", twice);
    const duplicate = diagnostics.find((d) => d.code === "WEIR2002")!;
    expect(duplicate.relatedInformation).toEqual([
      { message: "first declared here", location: { uri: "file:///tmp/weir-lsp-test/twice.weir", range: { start: positionOf(twice, "orders"), end: positionOf(twice, "orders", { delta: 6 }) } } },
    ]);
  });

  it("clears a closed document's diagnostics", async () => {
    const next = client.nextDiagnostics(uri);
    await client.notify("textDocument/didClose", { textDocument: { uri } });
    expect((await next).diagnostics).toEqual([]);
  });
});

describe("hover", () => {
  it("shows a stream's key and value types", async () => {
    const text = hoverText(await hover(shopUri, positionOf(shopText, "stream orders", { delta: 9 })));
    expect(text).toContain("stream orders: key string, value Order { id: string, customerId: string, amount: number, ts: timestamp, tier: string, address: Address or null, tags: list<string> or null }");
  });

  it("shows the type of a field read in an expression, and the schema it is declared in", async () => {
    const result = await hover(shopUri, positionOf(shopText, "amount > 0", { delta: 1 }));
    expect(hoverText(result)).toBe("```weir\namount: number\n```\n\nfield of the schema Order");
    expect(result!.range).toEqual({ start: positionOf(shopText, "amount > 0"), end: positionOf(shopText, "amount > 0", { delta: 6 }) });
  });

  it("shows the type of a nested field (null when the record may be) and the schema that declares it", async () => {
    expect(hoverText(await hover(shopUri, positionOf(shopText, "address.city", { delta: 9 })))).toBe("```weir\ncity: string or null\n```\n\nfield of the schema Address");
  });

  it("shows the type of a field of a record without a schema, and of the record's own names", async () => {
    const uri = "file:///tmp/weir-lsp-test/revenue.weir";
    const text = readFileSync(join(root, "examples", "revenue.weir"), "utf8");
    await openAndWait(uri, text);
    expect(hoverText(await hover(uri, positionOf(text, "window.start", { delta: 8 })))).toBe("```weir\nstart: timestamp\n```\n\na field of `window`");
    expect(hoverText(await hover(uri, positionOf(text, "window.start")))).toBe("```weir\nwindow: { start: timestamp, end: timestamp }\n```\n\nthe record's window (epoch milliseconds)");
    expect(hoverText(await hover(uri, positionOf(text, "customerId: key", { delta: 12 })))).toBe("```weir\nkey: string\n```\n\nthe record's key");
    expect(hoverText(await hover(uri, positionOf(text, "table revenue", { delta: 6 })))).toContain("windowed (time windows)");
  });

  it("shows a table's shape, and the records a step receives", async () => {
    expect(hoverText(await hover(shopUri, positionOf(shopText, "perCity to", { delta: 1 })))).toContain("table perCity: key string, value number");
    expect(hoverText(await hover(shopUri, positionOf(shopText, "rekey customerId", { delta: 1 })))).toContain(
      "records here:\n\n```weir\nkey string, value { orderId: string, customerId: string, amount: number, size: string, risk: number, city: string, firstTag: string or null, placedAt: timestamp }",
    );
  });

  it("shows the signatures of built-in, aggregate and imported functions", async () => {
    expect(hoverText(await hover(shopUri, positionOf(shopText, "coalesce", { delta: 2 })))).toContain("coalesce(value, fallback): string\n```\nthe value, or the fallback when the value is null");
    expect(hoverText(await hover(shopUri, positionOf(shopText, "sum(amount)")))).toContain("sum(value): number");
    expect(hoverText(await hover(shopUri, positionOf(shopText, "riskScore(amount", { delta: 3 })))).toContain("riskScore(amount, tier): number\n```\nimported from ./udfs.ts");
  });

  it("shows the type of a field a record declares", async () => {
    expect(hoverText(await hover(shopUri, positionOf(shopText, "risk:")))).toBe("```weir\nrisk: number\n```\n\na field of the record made here");
  });

  it("shows a schema's fields", async () => {
    expect(hoverText(await hover(shopUri, positionOf(shopText, "Address", { occurrence: 1 })))).toContain("schema Address { city: string, zip: string or null }");
  });

  it("answers nothing between names", async () => {
    expect(await hover(shopUri, { line: 1, character: 0 })).toBeNull();
  });
});

describe("go to definition", () => {
  it("goes from a stream's name to its declaration", async () => {
    const location = await definition(shopUri, positionOf(shopText, "scored = orders", { delta: 10 }));
    expect(location).toEqual({ uri: shopUri, range: { start: positionOf(shopText, "orders"), end: positionOf(shopText, "orders", { delta: 6 }) } });
  });

  it("goes from a schema's name, and from a field read in an expression, to their declarations", async () => {
    expect((await definition(shopUri, positionOf(shopText, "Address,")))!.range.start).toEqual(positionOf(shopText, "Address"));
    expect((await definition(shopUri, positionOf(shopText, "amount > 0")))!.range.start).toEqual(positionOf(shopText, "amount: number"));
  });

  it("goes from an imported function to its declaration in the TypeScript module", async () => {
    const udfs = join(root, "test", "fixtures", "shop", "udfs.ts");
    const expected = { uri: pathToFileURL(udfs).href, range: { start: { line: 0, character: 16 }, end: { line: 0, character: 16 } } };
    expect(readFileSync(udfs, "utf8").slice(16, 25)).toBe("riskScore");
    expect(await definition(shopUri, positionOf(shopText, "riskScore(amount"))).toEqual(expected);
    // and from its name in the import
    expect(await definition(shopUri, positionOf(shopText, "riskScore"))).toEqual(expected);
  });

  it("goes from an import's module to the file", async () => {
    const location = await definition(shopUri, positionOf(shopText, '"./udfs.ts"', { delta: 2 }));
    expect(location?.uri).toBe(pathToFileURL(join(root, "test", "fixtures", "shop", "udfs.ts")).href);
  });

  it("answers nothing for a built-in function", async () => {
    expect(await definition(shopUri, positionOf(shopText, "coalesce"))).toBeNull();
  });
});

describe("completion", () => {
  const header = dedent`
    application shop
    import { riskScore, cities } from "./udfs.ts"
    schema Address { city: string, zip?: string }
    schema Order { id: string, amount: number, tier: string, address?: Address }
    stream orders from topic "orders" key string value json Order
    table tiers from topic "tiers" key string value json Address
  `;
  let documents = 0;
  /** Completion at the end of `text` written after the header, in a document of its own. */
  async function completeAfter(text: string): Promise<string[]> {
    const uri = uriBesideShop(`completion-${++documents}`);
    const whole = `${header}\n${text}`;
    await openAndWait(uri, whole);
    return completion(uri, endOf(whole));
  }

  it("offers the steps after '|', with the keywords they are written with", async () => {
    const labels = await completeAfter("stream big = orders\n  | ");
    expect(labels).toEqual(expect.arrayContaining(["where", "select", "flatmap", "rekey", "group by", "join", "left join", "dedup", "merge", "window", "count", "sum", "aggregate"]));
    expect(labels).not.toContain("orders");
  });

  it("offers what the grammar takes after a keyword: the kinds of window after 'window'", async () => {
    expect((await completeAfter("table counts = orders\n  | group by tier\n  | window ")).sort()).toEqual(["hopping", "session", "sliding", "tumbling"]);
  });

  it("offers the streams and tables after '=', 'join' and 'sink'", async () => {
    expect(await completeAfter("stream big = ")).toEqual(expect.arrayContaining(["orders", "tiers"]));
    expect(await completeAfter("stream big = orders | join t")).toEqual(expect.arrayContaining(["orders", "tiers"]));
    expect(await completeAfter("sink ")).toEqual(expect.arrayContaining(["orders", "tiers"]));
    expect(await completeAfter("stream both = orders | merge ")).toEqual(expect.arrayContaining(["orders", "tiers"]));
  });

  it("offers the fields of the records, the record's own names and the functions in an expression", async () => {
    const labels = await completeAfter("stream big = orders\n  | where ");
    expect(labels).toEqual(expect.arrayContaining(["id", "amount", "tier", "address", "key", "value", "timestamp", "lower", "coalesce", "riskScore"]));
    // aggregate functions only inside aggregate { ... }; a user aggregate likewise
    expect(labels).not.toContain("avg");
    expect(labels).not.toContain("cities");
    expect(labels).not.toContain("window");
  });

  it("offers the fields of the records a later step receives", async () => {
    const labels = await completeAfter("stream big = orders\n  | select { total: amount, tier }\n  | where t");
    expect(labels).toEqual(expect.arrayContaining(["total", "tier"]));
    expect(labels).not.toContain("amount");
  });

  it("offers aggregate functions inside aggregate { ... }", async () => {
    const labels = await completeAfter("table totals = orders\n  | group by tier\n  | aggregate { total: ");
    expect(labels).toEqual(expect.arrayContaining(["sum", "count", "avg", "cities", "amount"]));
  });

  it("offers the fields of the record before a '.'", async () => {
    expect(await completeAfter("stream big = orders\n  | where address.")).toEqual(["city", "zip"]);
  });

  it("offers 'window' in the records of a windowed table, in a sink's value", async () => {
    const labels = await completeAfter("table perMinute = orders\n  | group by tier\n  | window tumbling 1 minute\n  | count\nsink perMinute to topic \"t\" value { start: ");
    expect(labels).toEqual(expect.arrayContaining(["window", "key", "value", "lower"]));
    expect(labels).not.toContain("amount");
  });

  it("offers the joined table's name after a join", async () => {
    expect(await completeAfter("stream big = orders\n  | rekey tier\n  | join tiers\n  | select { a: ")).toContain("tiers");
  });

  it("offers schemas after 'json', and types in a schema", async () => {
    expect(await completeAfter('stream more from topic "more" key string value json ')).toEqual(expect.arrayContaining(["Address", "Order"]));
    expect(await completeAfter("schema Extra { at: ")).toEqual(expect.arrayContaining(["string", "timestamp", "list", "map", "Address", "Order"]));
  });

  it("offers nothing inside a comment or a string", async () => {
    expect(await completeAfter("// a stream ")).toEqual([]);
    expect(await completeAfter('stream more from topic "mo')).toEqual([]);
    expect(await completeAfter("/* a stream */ ")).toContain("stream");
  });

  it("offers the declarations' keywords after a complete declaration", async () => {
    expect(await completeAfter("")).toEqual(expect.arrayContaining(["stream", "table", "schema", "sink", "branch", "import"]));
  });
});

describe("the outline", () => {
  it("lists the schemas with their fields, the streams, tables and sinks, with their types", async () => {
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: shopUri } });
    expect(symbols.map((s) => s.name)).toEqual(["riskScore", "cities", "Address", "Order", "orders", "scored", "revenue", "perCity", "sink scored", "sink revenue", "sink perCity", "sink scored"]);
    const order = symbols.find((s) => s.name === "Order")!;
    expect(order.children?.map((f) => `${f.name}: ${f.detail}`)).toEqual(["id: string", "customerId: string", "amount: number", "ts: timestamp", "tier: string", "address: optional Address", "tags: optional list<string>"]);
    expect(symbols.find((s) => s.name === "perCity")).toMatchObject({ kind: 5, detail: "table: key string, value number", selectionRange: { start: positionOf(shopText, "perCity") } });
    expect(symbols.at(-1)?.detail).toBe("to a topic per record");
  });
});

describe("formatting", () => {
  it("replaces the document with the layout of weir fmt", async () => {
    const uri = "file:///tmp/weir-lsp-test/unformatted.weir";
    const text = 'application a\nstream lines from topic "l"   key string value string\nstream words=lines|flatmap split(value," ")\nsink words to topic "w"\n';
    await openAndWait(uri, text);
    const edits = await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toEqual([{ range: { start: { line: 0, character: 0 }, end: endOf(text) }, newText: format(text).text }]);
    expect(format(text).text).not.toBe(text);
  });

  it("leaves a formatted document, and one that does not parse, as they are", async () => {
    const formatted = format(shopText).text!;
    expect(formatted).toBe(shopText);
    expect(await client.request("textDocument/formatting", { textDocument: { uri: shopUri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    const uri = "file:///tmp/weir-lsp-test/unparsable.weir";
    await openAndWait(uri, "application a\nstream = \n");
    expect(await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});

describe("the generated TypeScript", () => {
  it("puts a code lens over each stream, table and sink", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: shopUri } });
    const scored = positionOf(shopText, "stream scored");
    expect(lenses).toContainEqual({
      range: { start: scored, end: scored },
      command: { title: "Show generated TypeScript", command: "weir.showGeneratedTypeScript", arguments: [shopUri, scored.line] },
    });
    // orders, scored, revenue, perCity and four sinks; no lens over schemas and imports
    expect(lenses).toHaveLength(8);
  });

  it("returns a declaration's statement, or the whole module", async () => {
    const line = positionOf(shopText, "stream scored").line;
    const one = await client.request<{ text: string; ok: boolean }>("workspace/executeCommand", { command: "weir.generatedTypeScript", arguments: [shopUri, line] });
    expect(one.ok).toBe(true);
    expect(one.text).toMatch(new RegExp(`^// input\\.weir:${line + 1}\\nconst scored = orders\\n`));
    expect(one.text).toContain("riskScore(");
    expect(one.text).not.toContain("const revenue");

    const whole = await client.request<{ text: string; ok: boolean }>("workspace/executeCommand", { command: "weir.generatedTypeScript", arguments: [shopUri] });
    expect(whole.text).toContain('import { cities, riskScore } from "./udfs.ts";');
    expect(whole.text).toContain(one.text.trimEnd().split("\n")[1]);
    expect(whole.text).toContain("const revenue");
  });

  it("returns the diagnostics of a file that does not compile", async () => {
    const uri = "file:///tmp/weir-lsp-test/no-code.weir";
    await openAndWait(uri, "application a\nstream s = nowhere\n");
    const result = await client.request<{ text: string; ok: boolean }>("workspace/executeCommand", { command: "weir.generatedTypeScript", arguments: [uri] });
    expect(result).toEqual({ ok: false, text: expect.stringContaining("error WEIR2003: unknown stream or table 'nowhere'") });
    expect(await client.request("textDocument/codeLens", { textDocument: { uri } })).toEqual([]);
  });
});
