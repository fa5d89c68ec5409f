// Completion: what the grammar allows at the cursor, filled in with the file's names.
//
// The grammar decides what may come next (chevrotain's content assist over the tokens of
// the declaration before the cursor): keywords (steps after `|`, `by` after `group`, ...),
// or a name, with the rule the name belongs to. The rule says which names: streams and
// tables after `=`, `join`, `merge`, `sink` and `branch`; schemas after `json`; types in a
// schema; in an expression the fields of the records there, `key`, `value`, `timestamp`,
// `window` where there is one, joined tables, built-in and imported functions (and
// aggregate functions inside `aggregate { ... }`); after a `.`, the fields of the record
// before it. Names come from the checker's facts (document-analysis.ts).
import type { IToken } from "chevrotain";
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver/node";
import { tokenize } from "../../grammar/index.ts";
import { keywordsExpectedAt } from "../../grammar/expected-keywords.ts";
import { looksLikeDeclarationAt, weirParser } from "../../grammar/parser.ts";
import { EOF, tokenMatcher } from "../../grammar/chevrotain.ts";
import { AggregateKw, BlockComment, Dot, Identifier, MalformedStringLiteral, Pipe, TimeKw } from "../../grammar/tokens.ts";
import { aggregateFunctions, builtinFunctions } from "../../compiler/builtins.ts";
import { recordShapeAt } from "../../compiler/locate.ts";
import { nonNull, typeToString, type Type } from "../../compiler/types.ts";
import type { CheckedFile } from "../../compiler/check.ts";
import { signatureMarkdown, signatureText, typeWithFields } from "./describe.ts";
import type { DocumentAnalysis } from "./document-analysis.ts";

/** What kind of name the grammar takes next, from the rule that holds the name. */
type NameContext = "collection" | "schema" | "type" | "expression" | "member" | "eventTime";

const contextOfRule: Readonly<Record<string, NameContext>> = {
  pipeline: "collection",
  // `merge a, b`: the only names a step itself holds
  step: "collection",
  joinStep: "collection",
  sinkDecl: "collection",
  branchDecl: "collection",
  format: "schema",
  typeRef: "type",
  callOrName: "expression",
  // `{ amount }` reads the field it names
  recordField: "expression",
  suffix: "member",
};

const primitiveTypes = ["string", "number", "integer", "boolean", "timestamp"];

export function completionsAt(analysis: DocumentAnalysis, offset: number): CompletionItem[] {
  const { tokens: all, comments } = tokenize(analysis.text.slice(0, offset));
  const last = all[all.length - 1];
  // Nothing to complete inside a comment or a string that the cursor has not left.
  const endsAtCursor = (token: IToken | undefined) => token !== undefined && (token.endOffset ?? token.startOffset) + 1 === offset;
  const lastComment = comments[comments.length - 1];
  if (endsAtCursor(lastComment) && lastComment!.tokenType !== BlockComment) return [];
  if (endsAtCursor(last) && last!.tokenType === MalformedStringLiteral) return [];
  // A word that ends at the cursor is being typed: complete what could stand in its place.
  const before = endsAtCursor(last) && /^[A-Za-z_]/.test(last!.image) ? all.slice(0, -1) : [...all];
  const declaration = before.slice(declarationStart(before));

  const items: CompletionItem[] = keywordsExpectedAt(before, before.length, []).map((keyword) => ({
    label: keyword.phrase,
    kind: CompletionItemKind.Keyword,
  }));
  const checked = analysis.checked;
  if (!checked) return items;
  for (const context of nameContexts(declaration)) items.push(...namesFor(context, checked, declaration, offset));
  // One item per label: several rules may offer one name.
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.label) && seen.add(item.label));
}

/** Where the declaration the cursor is in starts, in `tokens` (those before the cursor). */
function declarationStart(tokens: readonly IToken[]): number {
  const endOfInput = { image: "", tokenType: EOF, tokenTypeIdx: EOF.tokenTypeIdx!, startOffset: NaN } as IToken;
  const la = (start: number) => (offset: number) => tokens[start + offset - 1] ?? endOfInput;
  for (let start = tokens.length - 1; start > 0; start--) {
    if (looksLikeDeclarationAt(la(start), 1)) return start;
  }
  return 0;
}

function nameContexts(declaration: readonly IToken[]): Set<NameContext> {
  const contexts = new Set<NameContext>();
  for (const path of weirParser.computeContentAssist("file", [...declaration])) {
    if (path.nextTokenType !== Identifier) continue;
    const rule = path.ruleStack[path.ruleStack.length - 2];
    const previous = declaration[declaration.length - 1];
    if ((rule === "streamDecl" || rule === "tableDecl") && previous && tokenMatcher(previous, TimeKw)) contexts.add("eventTime");
    const context = rule === undefined ? undefined : contextOfRule[rule];
    if (context) contexts.add(context);
  }
  return contexts;
}

function namesFor(context: NameContext, checked: CheckedFile, declaration: readonly IToken[], offset: number): CompletionItem[] {
  switch (context) {
    case "collection":
      return [...checked.collections.values()].map((collection) => {
        const shape = checked.shapes.get(collection.name.name);
        return {
          label: collection.name.name,
          kind: CompletionItemKind.Variable,
          detail: shape ? `${shape.collection}: key ${typeToString(shape.key)}, value ${typeToString(shape.value)}` : collection.collection,
        };
      });
    case "schema":
      return [...checked.schemas.keys()].map((name) => schemaItem(checked, name));
    case "type":
      return [
        ...primitiveTypes.map((name) => ({ label: name, kind: CompletionItemKind.TypeParameter })),
        ...[...checked.schemas.keys()].map((name) => schemaItem(checked, name)),
      ];
    case "eventTime": {
      // `value json Order event time `: the fields of Order
      const schemaName = [...declaration].reverse().find((token, i, reversed) => reversed[i + 1]?.image === "json" && tokenMatcher(token, Identifier))?.image;
      return fieldItems(schemaName === undefined ? undefined : checked.schemaTypes.get(schemaName));
    }
    case "member": {
      const dot = declaration[declaration.length - 1];
      return dot && tokenMatcher(dot, Dot) ? fieldItems(typeEndingAt(checked, dot.startOffset)) : [];
    }
    case "expression":
      return expressionNames(checked, declaration, offset);
  }
}

function expressionNames(checked: CheckedFile, declaration: readonly IToken[], offset: number): CompletionItem[] {
  const items: CompletionItem[] = [];
  const records = recordShapeAt(checked, offset);
  if (records) {
    const { shape } = records;
    items.push(...fieldItems(shape.value));
    const own: [string, Type, string][] = [
      ["key", shape.key, "the record's key"],
      ["value", shape.value, "the record's value"],
    ];
    for (const [label, type, documentation] of own) items.push({ label, kind: CompletionItemKind.Property, detail: typeWithFields(type), documentation });
    items.push({ label: "timestamp", kind: CompletionItemKind.Property, detail: "timestamp", documentation: "the record's timestamp (epoch milliseconds)" });
    if (shape.window) items.push({ label: "window", kind: CompletionItemKind.Property, detail: "{ start: timestamp, end: timestamp }", documentation: "the record's window" });
    for (const [table, type] of shape.joined ?? []) items.push({ label: table, kind: CompletionItemKind.Variable, detail: typeWithFields(type), documentation: "the joined table's value" });
  }
  for (const [name, signature] of Object.entries(builtinFunctions)) items.push(functionItem(name, signature));
  const inAggregate = inAggregateStep(declaration);
  if (inAggregate) for (const [name, signature] of Object.entries(aggregateFunctions)) items.push(functionItem(name, signature));
  for (const [name, imported] of checked.imports) {
    if (imported.aggregate === undefined || inAggregate) items.push(functionItem(name, imported.signature));
  }
  return items;
}

/** Whether the last step before the cursor is `aggregate { ... }`. */
function inAggregateStep(declaration: readonly IToken[]): boolean {
  for (let i = declaration.length - 1; i > 0; i--) {
    if (tokenMatcher(declaration[i - 1]!, Pipe)) return tokenMatcher(declaration[i]!, AggregateKw);
  }
  return false;
}

function functionItem(name: string, signature: Parameters<typeof signatureText>[1]): CompletionItem {
  return {
    label: name,
    kind: CompletionItemKind.Function,
    detail: signatureText(name, signature),
    documentation: { kind: "markdown", value: signatureMarkdown(name, signature) },
  };
}

function schemaItem(checked: CheckedFile, name: string): CompletionItem {
  const type = checked.schemaTypes.get(name);
  return { label: name, kind: CompletionItemKind.Struct, ...(type ? { detail: typeWithFields(type) } : {}) };
}

function fieldItems(type: Type | undefined): CompletionItem[] {
  const record = type ? nonNull(type) : undefined;
  if (record?.kind !== "record") return [];
  return record.fields.map((field) => ({ label: field.name, kind: CompletionItemKind.Field, detail: typeToString(field.type) }));
}

/** The type of the expression that ends at `end` (the one just before a `.`): the innermost, as the checker recorded it. */
function typeEndingAt(checked: CheckedFile, end: number): Type | undefined {
  let found: { width: number; type: Type } | undefined;
  for (const [expr, type] of checked.types) {
    if (expr.range.end !== end) continue;
    const width = expr.range.end - expr.range.start;
    if (!found || width < found.width) found = { width, type };
  }
  return found?.type;
}
