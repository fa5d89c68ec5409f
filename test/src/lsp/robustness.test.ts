// The features answer at any position of a file being typed: every prefix of a file (as
// when it is written from the top) and every position of the whole file, without throwing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { completionsAt } from "../../../src/lsp/completion.ts";
import { definitionAt } from "../../../src/lsp/definition.ts";
import { analyzeDocument } from "../../../src/lsp/document-analysis.ts";
import { documentSymbols } from "../../../src/lsp/document-symbols.ts";
import { hoverAt } from "../../../src/lsp/hover.ts";

const root = join(import.meta.dirname, "..", "..", "..");

describe("the features on a file being typed", () => {
  for (const file of ["test/fixtures/shop/input.weir", "examples/sessions.weir"]) {
    it(`answer at every position of ${file}, and at the end of its prefixes`, () => {
      const path = join(root, file);
      const text = readFileSync(path, "utf8");
      const answerAt = (prefix: string, offset: number) => {
        const analysis = analyzeDocument(prefix, path);
        const document = TextDocument.create("file:///x.weir", "weir", 1, prefix);
        documentSymbols(analysis, document);
        return { completions: completionsAt(analysis, offset), hover: hoverAt(analysis, document, offset), definition: definitionAt(analysis, document, offset) };
      };
      let completed = 0;
      // Every fifth prefix: each one is a whole analysis.
      for (let cut = 0; cut <= text.length; cut += 5) if (answerAt(text.slice(0, cut), cut).completions.length > 0) completed++;
      const analysis = analyzeDocument(text, path);
      const document = TextDocument.create("file:///x.weir", "weir", 1, text);
      let hovered = 0;
      for (let offset = 0; offset <= text.length; offset++) {
        completionsAt(analysis, offset);
        definitionAt(analysis, document, offset);
        if (hoverAt(analysis, document, offset)) hovered++;
      }
      // Many places offer something (not inside comments and strings), and many characters are in a name with a hover.
      expect(completed).toBeGreaterThan(text.length / 5 / 4);
      expect(hovered).toBeGreaterThan(text.length / 8);
    });
  }
});
