// A strict reader of the XML that Graphviz writes (SVG): enough to prove a
// document well formed and to walk its elements in tests. It throws on a tag
// closed out of order, an unclosed element, a stray `<` or `&`, an unknown
// entity, a repeated attribute, or anything after the root element.

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The text directly inside the element, entities decoded. */
  readonly text: string;
}

interface OpenElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const namePattern = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

export function parseXml(document: string): XmlElement {
  let at = 0;
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    const line = document.slice(0, at).split("\n").length;
    throw new Error(`not well-formed XML at line ${line}: ${why}`);
  };
  const skipPast = (end: string, what: string) => {
    const found = document.indexOf(end, at);
    if (found === -1) fail(`unterminated ${what}`);
    at = found + end.length;
  };

  while (at < document.length) {
    if (document.startsWith("<?", at)) skipPast("?>", "processing instruction");
    else if (document.startsWith("<!--", at)) skipPast("-->", "comment");
    else if (document.startsWith("<!DOCTYPE", at)) {
      if (root || stack.length > 0) fail("DOCTYPE inside the document");
      skipPast(">", "DOCTYPE");
    } else if (document.startsWith("<![CDATA[", at)) {
      const end = document.indexOf("]]>", at);
      if (end === -1 || stack.length === 0) fail("CDATA outside an element or unterminated");
      stack.at(-1)!.text += document.slice(at + 9, end);
      at = end + 3;
    } else if (document.startsWith("</", at)) {
      at += 2;
      const name = namePattern.exec(document.slice(at))?.[0] ?? fail("a closing tag without a name");
      at += name.length;
      while (/\s/.test(document[at] ?? "")) at++;
      if (document[at] !== ">") fail(`'>' expected after </${name}`);
      at++;
      const open = stack.pop() ?? fail(`</${name}> closes nothing`);
      if (open.name !== name) fail(`</${name}> closes <${open.name}>`);
      close(open);
    } else if (document[at] === "<") {
      at++;
      const name = namePattern.exec(document.slice(at))?.[0] ?? fail("a tag without a name");
      at += name.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const space = /^\s*/.exec(document.slice(at))![0].length;
        at += space;
        if (document.startsWith("/>", at) || document[at] === ">") break;
        if (space === 0) fail(`space expected between attributes of <${name}>`);
        const attribute = namePattern.exec(document.slice(at))?.[0] ?? fail(`an attribute name expected in <${name}>`);
        at += attribute.length;
        const quote = /^\s*=\s*(["'])/.exec(document.slice(at)) ?? fail(`a quoted value expected for ${attribute}`);
        at += quote[0].length;
        const end = document.indexOf(quote[1]!, at);
        if (end === -1) fail(`unterminated value of ${attribute}`);
        if (attribute in attributes) fail(`${attribute} repeated in <${name}>`);
        const raw = document.slice(at, end);
        if (raw.includes("<")) fail(`'<' in the value of ${attribute}`);
        attributes[attribute] = decode(raw, fail);
        at = end + 1;
      }
      if (root) fail(`<${name}> after the root element`);
      const element: OpenElement = { name, attributes, children: [], text: "" };
      if (document.startsWith("/>", at)) {
        at += 2;
        close(element);
      } else {
        at += 1;
        stack.push(element);
      }
    } else {
      const next = document.indexOf("<", at);
      const text = document.slice(at, next === -1 ? document.length : next);
      if (stack.length === 0) {
        if (text.trim() !== "") fail("text outside the root element");
      } else {
        stack.at(-1)!.text += decode(text, fail);
      }
      at = next === -1 ? document.length : next;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> is never closed`);
  return root ?? fail("no root element");

  function close(element: OpenElement): void {
    const done: XmlElement = element;
    const parent = stack.at(-1);
    if (parent) parent.children.push(done);
    else root = done;
  }
}

const namedEntities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decode(text: string, fail: (why: string) => never): string {
  return text.replace(/&([^;\s&]*);?/g, (match, body: string) => {
    if (!match.endsWith(";")) fail(`a stray '&' in ${JSON.stringify(text)}`);
    if (body.startsWith("#x")) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return namedEntities[body] ?? fail(`unknown entity &${body};`);
  });
}

/** Every element under `element` (itself included), depth first, in document order. */
export function allElements(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(allElements)];
}
