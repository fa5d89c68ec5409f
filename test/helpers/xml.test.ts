import { describe, expect, it } from "vitest";
import { allElements, parseXml } from "./xml.ts";

describe("parseXml", () => {
  it("reads elements, attributes and text, entities decoded", () => {
    const root = parseXml('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "a" "b">\n<!-- c -->\n<svg a="1&amp;2"><g class="node"><title>x&#45;&gt;y</title><text>&lt;string, integer&gt;</text></g><path d=\'M0\'/></svg>\n');
    expect(root.name).toBe("svg");
    expect(root.attributes).toEqual({ a: "1&2" });
    expect(allElements(root).map((e) => e.name)).toEqual(["svg", "g", "title", "text", "path"]);
    expect(allElements(root).find((e) => e.name === "title")?.text).toBe("x->y");
    expect(allElements(root).find((e) => e.name === "text")?.text).toBe("<string, integer>");
  });

  it.each([
    ["a tag closed out of order", "<a><b></a></b>"],
    ["an unclosed element", "<a><b></b>"],
    ["a stray ampersand", "<a>x & y</a>"],
    ["an unknown entity", "<a>&nbsp;</a>"],
    ["a repeated attribute", '<a x="1" x="2"/>'],
    ["a second root", "<a/><b/>"],
    ["text after the root", "<a/>text"],
    ["an unquoted attribute", "<a x=1/>"],
  ])("refuses %s", (_, text) => {
    expect(() => parseXml(text)).toThrow(/not well-formed XML/);
  });
});
