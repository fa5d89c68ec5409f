// `weir fmt`: idempotent, keeps comments, and never changes what a file means:
// parse(format(x)) has the AST of parse(x), ranges aside.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatWeir } from "../../grammar/format.ts";
import { parseWeir } from "../../grammar/index.ts";
import { dedent } from "../helpers/dedent.ts";

const root = join(import.meta.dirname, "..", "..");

function format(text: string): string {
  const { file, problems } = parseWeir(text);
  expect(problems).toEqual([]);
  return formatWeir(file, text);
}

/** The AST without positions, and without comments (compared on their own). */
function shape(text: string): unknown {
  const { file, problems } = parseWeir(text);
  expect(problems).toEqual([]);
  return JSON.parse(JSON.stringify({ ...file, comments: [] }, (key, value) => (key === "range" || key === "operatorRange" ? undefined : value)));
}

function comments(text: string): string[] {
  return parseWeir(text).file.comments.map((c) => c.text);
}

function corpus(): { name: string; text: string }[] {
  const files: { name: string; text: string }[] = [];
  for (const name of readdirSync(join(root, "test", "fixtures"))) {
    const path = join(root, "test", "fixtures", name, "input.weir");
    if (!existsSync(path)) continue;
    const text = readFileSync(path, "utf8");
    if (parseWeir(text).problems.length === 0) files.push({ name: `fixtures/${name}`, text });
  }
  for (const name of readdirSync(join(root, "examples")).filter((f) => f.endsWith(".weir"))) {
    files.push({ name: `examples/${name}`, text: readFileSync(join(root, "examples", name), "utf8") });
  }
  for (const doc of ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)]) {
    const markdown = readFileSync(join(root, doc), "utf8");
    [...markdown.matchAll(/^```weir\n([\s\S]*?)^```/gm)].forEach((match, i) => files.push({ name: `${doc}#${i + 1}`, text: match[1]! }));
  }
  return files;
}

const messy = dedent`
  // The shop.
  application   shop
  import {riskScore,normalise,} from "./udfs.ts"
  schema Order{id:string,customerId : string,amount:number,ts:number,note ? : string,tags?:list< string >}

  /* sources */
  stream orders from topic "orders" key string value json Order event time ts // event time from the value
  stream big = orders | where (amount > 100) and not ( customerId == "test" ) | select {orderId:id,customerId,amount:amount*(1+0.2),label:if amount>1000 then "huge" else "big", first: tags[0]} | rekey customerId
  table revenue = orders
    // per customer
    | group by customerId   // repartition
    | aggregate { total : sum(amount) , orders : count() }
  sink big to topic "big"
  sink revenue to topic "revenue" key string value json
  // the end
`;

describe("formatWeir", () => {
  it("prints the canonical layout", () => {
    expect(format(messy)).toBe(dedent`
      // The shop.
      application shop
      import { riskScore, normalise } from "./udfs.ts"
      schema Order {
        id: string,
        customerId: string,
        amount: number,
        ts: number,
        note?: string,
        tags?: list<string>,
      }

      /* sources */
      stream orders from topic "orders" key string value json Order event time ts // event time from the value
      stream big = orders
        | where amount > 100 and not (customerId == "test")
        | select {
            orderId: id,
            customerId,
            amount: amount * (1 + 0.2),
            label: if amount > 1000 then "huge" else "big",
            first: tags[0],
          }
        | rekey customerId
      table revenue = orders
        // per customer
        | group by customerId // repartition
        | aggregate { total: sum(amount), orders: count() }
      sink big to topic "big"
      sink revenue to topic "revenue" key string value json
      // the end
    ` + "\n");
  });

  it("prints tables from topics, join and left join", () => {
    const text = dedent`
      application a
      table   customers   from topic "customers" key string value json event time ts
      stream j = orders |rekey customerId|   left   join customers | join   vips
    `;
    expect(format(text)).toBe(dedent`
      application a
      table customers from topic "customers" key string value json event time ts
      stream j = orders
        | rekey customerId
        | left join customers
        | join vips
    ` + "\n");
  });

  it("prints dedup, merge and branch, an arm per line, keeping comments", () => {
    const text = dedent`
      application a
      stream once = orders|merge  web ,refunds|dedup   by  id  within 10min
      stream keyed = orders | dedup within 1 h
      branch once { /* routing */ big : amount>100 , // large
        small:amount > 0, rest : else }
      branch keyed {}
    `;
    expect(format(text)).toBe(dedent`
      application a
      stream once = orders
        | merge web, refunds
        | dedup by id within 10 min
      stream keyed = orders | dedup within 1 h
      branch once {
        /* routing */
        big: amount > 100, // large
        small: amount > 0,
        rest: else,
      }
      branch keyed {}
    ` + "\n");
  });

  it("prints outer joins, joins on an expression and joins within a time window", () => {
    const text = dedent`
      application a
      stream j = orders |outer   join clicks   within 5min grace   1 min| left join customers on   customerId
    `;
    expect(format(text)).toBe(dedent`
      application a
      stream j = orders
        | outer join clicks within 5 min grace 1 min
        | left join customers on customerId
    ` + "\n");
  });

  it("prints stream-stream joins: inner, left and outer, with and without grace", () => {
    const text = dedent`
      application a
      stream j = orders|join payments within 5 minutes|left join refunds within 1h grace 10 s |outer   join clicks within 500ms grace 0s
    `;
    expect(format(text)).toBe(dedent`
      application a
      stream j = orders
        | join payments within 5 minutes
        | left join refunds within 1 h grace 10 s
        | outer join clicks within 500 ms grace 0 s
    ` + "\n");
  });

  it("prints right joins and asymmetric join windows, 'before' first", () => {
    const text = dedent`
      application a
      stream j = orders|right   join payments within 10s before  and 2 s after grace 1s|join refunds within 2 s after and 10 s before| join clicks within 5min   before|outer join views within 3 ms after
      table t = customers |right join addresses
    `;
    expect(format(text)).toBe(dedent`
      application a
      stream j = orders
        | right join payments within 10 s before and 2 s after grace 1 s
        | join refunds within 10 s before and 2 s after
        | join clicks within 5 min before
        | outer join views within 3 ms after
      table t = customers | right join addresses
    ` + "\n");
  });

  it("prints every kind of window with its clauses in order", () => {
    const text = "application a\ntable t = o | group by k | window   sliding 10min  grace 5 s emit final | count\n";
    expect(format(text)).toBe("application a\ntable t = o\n  | group by k\n  | window sliding 10 min grace 5 s emit final\n  | count\n");
  });

  it("prints a sink's topic expression, value projection and headers in order", () => {
    const text = 'application a\nsink s to topic   "orders-"+region value {id,amount}   headers {region, app:"x"}\nsink t to topic "t" key string headers { k: key }\n';
    expect(format(text)).toBe('application a\nsink s to topic "orders-" + region value { id, amount } headers { region, app: "x" }\nsink t to topic "t" key string headers { k: key }\n');
  });

  it("prints 'key windowed' with the key's format when it has one", () => {
    const text = 'application a\nsink s to topic "s"   key  windowed\nsink t to topic "t" key windowed   json value { n: value }\n';
    expect(format(text)).toBe('application a\nsink s to topic "s" key windowed\nsink t to topic "t" key windowed json value { n: value }\n');
  });

  it("keeps a comparison after 'not' in parentheses, which precedence does not need but a reader does", () => {
    const text = "application a\nstream s = t | where not a == b and not (c) and not not d\n";
    expect(format(text)).toBe("application a\nstream s = t | where not (a == b) and not c and not (not d)\n");
  });

  it("puts a sink that does not fit on one line a clause per line, breaking a record only if it still does not fit", () => {
    const text = dedent`
      application a
      sink revenue to topic "revenue-per-minute" key string value { customerId: key, windowStart: window.start, windowEnd: window.end, total }
      sink s to topic "orders-" + region value { id, amount } headers { region, note, source: "weir", application: "a", team: "payments and refunds" }
      sink wide to topic "w" value { aVeryLongFieldName: key, anotherVeryLongFieldName: window.start, yetAnotherLongFieldName: window.end }
    `;
    expect(format(text)).toBe(dedent`
      application a
      sink revenue to topic "revenue-per-minute"
        key string
        value { customerId: key, windowStart: window.start, windowEnd: window.end, total }
      sink s to topic "orders-" + region
        value { id, amount }
        headers { region, note, source: "weir", application: "a", team: "payments and refunds" }
      sink wide to topic "w"
        value {
          aVeryLongFieldName: key,
          anotherVeryLongFieldName: window.start,
          yetAnotherLongFieldName: window.end,
        }
    ` + "\n");
  });

  it("keeps parentheses that precedence needs, and only those", () => {
    const text = "application a\nstream s = t | where (a or b) and c | select (a + b) * -(c - d) - (e - f)\n";
    expect(format(text)).toBe("application a\nstream s = t\n  | where (a or b) and c\n  | select (a + b) * -(c - d) - (e - f)\n");
  });

  it("prints 'in', 'not in', 'between' and 'not between' with the parentheses precedence needs", () => {
    const text = 'application a\nstream s = t | where tier  not in["a" ,"b"] and (x between 1 and 2)\n';
    expect(format(text)).toBe('application a\nstream s = t | where tier not in ["a", "b"] and x between 1 and 2\n');
    for (const condition of ["(x in [1]) == true", "not (x not between (a or b) and c + 1)", "(a < b) in [true]", "(x in [1]) == (y not in [2])"]) {
      const nested = `application a\nstream s = t | where ${condition}\n`;
      expect(format(nested)).toBe(nested);
    }
    expect(format("application a\nstream s = t | where (-x) in (tags)\n")).toBe("application a\nstream s = t | where -x in tags\n");
  });

  it("prints map types, and keeps a number written with a fraction a number", () => {
    const text = "application a\nschema S {m:map< string ,list<integer> >, n:integer}\nstream s = t | select { a: 1.0, b: 2.50, c: 1e3, d: 7, e: 1.5e300 }\n";
    const once = format(text);
    expect(once).toBe("application a\nschema S { m: map<string, list<integer>>, n: integer }\nstream s = t | select { a: 1.0, b: 2.5, c: 1000.0, d: 7, e: 1.5e+300 }\n");
    expect(shape(once)).toEqual(shape(text));
  });

  for (const { name, text } of [{ name: "messy", text: messy }, ...corpus()]) {
    it(`${name}: same AST, same comments, idempotent`, () => {
      const once = format(text);
      expect(shape(once)).toEqual(shape(text));
      expect(comments(once)).toEqual(comments(text));
      expect(format(once)).toBe(once);
    });
  }
});
