// weir's grammar as a chevrotain CstParser: rules only, no actions. The AST is built from the
// CST by ast-builder.ts; GRAMMAR.md is this file written down for people.
//
// Error recovery: chevrotain's own (single-token insertion/deletion, re-sync to the follow set
// of an enclosing rule) does most of the work. Two things make it robust at declaration
// boundaries:
//   - the declaration loop in `file` re-syncs on the keywords a declaration starts with, so a
//     broken declaration never takes the next one down with it;
//   - `stream`, `table`, `sink`, `schema` and `import` are soft keywords (usable as names), so
//     a name position could swallow the keyword of the next declaration when something is
//     missing (`stream x =` followed by `table t = …`). Where a name, a field or an expression
//     may start, a gate refuses a token sequence that looks like the start of a declaration
//     (`stream|table NAME =|from`, `sink NAME to`, `schema|branch NAME {`, `import {`). No valid
//     program has such a sequence anywhere but at the start of a declaration, so the gates
//     change only how broken input is recovered, never what parses.

import type { IToken, TokenType } from "chevrotain";
import { CstParser, EOF, tokenMatcher } from "./chevrotain.ts";
import { expectedDeclaration, weirErrorMessages } from "./messages.ts";
import * as T from "./tokens.ts";

type Lookahead = (offset: number) => IToken;

function is(token: IToken, tokenType: TokenType): boolean {
  return tokenMatcher(token, tokenType);
}

/** Whether the tokens from `la(at)` on look like the start of a declaration (see above). */
export function looksLikeDeclarationAt(la: Lookahead, at: number): boolean {
  const first = la(at);
  const second = la(at + 1);
  const third = la(at + 2);
  if (is(first, T.StreamKw) || is(first, T.TableKw)) return is(second, T.Identifier) && (is(third, T.Equals) || is(third, T.FromKw));
  if (is(first, T.SinkKw)) return is(second, T.Identifier) && is(third, T.ToKw);
  if (is(first, T.SchemaKw) || is(first, T.BranchKw)) return is(second, T.Identifier) && is(third, T.LBrace);
  // `schema import { … }` declares a schema named "import".
  if (is(first, T.ImportKw)) return is(second, T.LBrace) && !is(la(at - 1), T.SchemaKw);
  return false;
}

/**
 * Whether the name after `json` is a schema name. `json` may end a declaration or a format
 * clause, so a following declaration keyword, `key`/`value` followed by a format, or
 * `event time` belong to what comes next, not to the format. So do a sink's `value EXPR`
 * and `headers { ... }` (`key json value { ... }`): a schema name is followed only by
 * another clause, a declaration or the end, and `value` or `headers` followed by anything
 * else starts its clause.
 */
export function isFormatSchemaNameAt(la: Lookahead, at: number): boolean {
  const first = la(at);
  const second = la(at + 1);
  if (!is(first, T.Identifier)) return false;
  if (T.declarationKeywords.some((keyword) => is(first, keyword))) return false;
  if ((is(first, T.KeyKw) || is(first, T.ValueKw)) && (is(second, T.StringKw) || is(second, T.JsonKw))) return false;
  if (is(first, T.EventKw) && is(second, T.TimeKw)) return false;
  if ((is(first, T.ValueKw) || is(first, T.HeadersKw)) && !canFollowFormat(second)) return false;
  return true;
}

/** What may come after a format (and its schema name): the next clause, the next declaration, or the end. */
function canFollowFormat(token: IToken): boolean {
  return [T.ValueKw, T.HeadersKw, T.EventKw, ...T.declarationKeywords].some((type) => is(token, type)) || token.tokenType === EOF;
}

export class WeirParser extends CstParser {
  constructor() {
    super(T.allTokens as TokenType[], {
      recoveryEnabled: true,
      nodeLocationTracking: "full",
      maxLookahead: 3,
      errorMessageProvider: weirErrorMessages,
    });
    this.performSelfAnalysis();
  }

  // ------------------------------------------------------------ gates

  private readonly la: Lookahead = (offset) => this.LA(offset);
  private readonly noDeclarationAt = (at: number) => () => !looksLikeDeclarationAt(this.la, at);

  // ------------------------------------------------------------ file and declarations

  readonly file = this.RULE("file", () => {
    this.OPTION(() => this.SUBRULE(this.application));
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  readonly application = this.RULE("application", () => {
    this.CONSUME(T.ApplicationKw);
    this.SUBRULE(this.name);
  });

  readonly declaration = this.RULE("declaration", () => {
    this.OR({
      ERR_MSG: expectedDeclaration,
      DEF: [
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.schemaDecl) },
        { ALT: () => this.SUBRULE(this.streamDecl) },
        { ALT: () => this.SUBRULE(this.tableDecl) },
        { ALT: () => this.SUBRULE(this.sinkDecl) },
        { ALT: () => this.SUBRULE(this.branchDecl) },
      ],
    });
  });

  readonly importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.ImportKw);
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.name);
    this.MANY({
      GATE: this.noDeclarationAt(2),
      DEF: () => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.name);
      },
    });
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RBrace);
    this.CONSUME(T.FromKw);
    this.CONSUME(T.StringLiteral);
  });

  readonly schemaDecl = this.RULE("schemaDecl", () => {
    this.CONSUME(T.SchemaKw);
    this.SUBRULE(this.name);
    this.CONSUME(T.LBrace);
    this.OPTION({
      GATE: this.noDeclarationAt(1),
      DEF: () => {
        this.SUBRULE(this.field);
        this.MANY({
          GATE: this.noDeclarationAt(2),
          DEF: () => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.field);
          },
        });
        this.OPTION2(() => this.CONSUME2(T.Comma));
      },
    });
    this.CONSUME(T.RBrace);
  });

  readonly field = this.RULE("field", () => {
    this.SUBRULE(this.name);
    this.OPTION(() => this.CONSUME(T.Question));
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  // `string`, `number`, `integer`, `boolean` and `timestamp` are names here: the AST builder
  // turns them into primitive types. That keeps the alternation free of soft-keyword ambiguity.
  readonly typeRef = this.RULE("typeRef", () => {
    this.OR({
      ERR_MSG: "a type",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.ListKw);
            this.CONSUME(T.LessThan);
            this.SUBRULE(this.typeRef);
            this.CONSUME(T.GreaterThan);
          },
        },
        {
          // `map<string, number>`: the key type is written (and checked by the compiler: JSON
          // object keys are strings), so that it reads as the map it is.
          ALT: () => {
            this.CONSUME(T.MapKw);
            this.CONSUME2(T.LessThan);
            this.SUBRULE2(this.typeRef, { LABEL: "mapKey" });
            this.CONSUME(T.Comma);
            this.SUBRULE3(this.typeRef, { LABEL: "mapValue" });
            this.CONSUME2(T.GreaterThan);
          },
        },
        { ALT: () => this.SUBRULE(this.name) },
      ],
    });
  });

  readonly streamDecl = this.RULE("streamDecl", () => {
    this.CONSUME(T.StreamKw);
    this.SUBRULE(this.name);
    this.sourceOrPipeline();
  });

  readonly tableDecl = this.RULE("tableDecl", () => {
    this.CONSUME(T.TableKw);
    this.SUBRULE(this.name);
    this.sourceOrPipeline();
  });

  /**
   * What follows `stream NAME` and `table NAME`: `from topic ...` or `= pipeline`.
   * Not a rule of its own, so that both declarations keep their flat CST
   * children (`FromKw`, `keyFormat`, `pipeline`, ...).
   */
  private sourceOrPipeline(): void {
    this.OR({
      ERR_MSG: "'from' or '='",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.FromKw);
            this.CONSUME(T.TopicKw);
            this.CONSUME(T.StringLiteral);
            this.CONSUME(T.KeyKw);
            this.SUBRULE(this.format, { LABEL: "keyFormat" });
            this.CONSUME(T.ValueKw);
            this.SUBRULE2(this.format, { LABEL: "valueFormat" });
            this.OPTION(() => {
              this.CONSUME(T.EventKw);
              this.CONSUME(T.TimeKw);
              this.SUBRULE2(this.name, { LABEL: "eventTime" });
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Equals);
            this.SUBRULE(this.pipeline);
          },
        },
      ],
    });
  }

  readonly sinkDecl = this.RULE("sinkDecl", () => {
    this.CONSUME(T.SinkKw);
    this.SUBRULE(this.name);
    this.CONSUME(T.ToKw);
    this.CONSUME(T.TopicKw);
    // A string, or an expression computed per record (`"orders-" + region`).
    this.SUBRULE(this.expression, { LABEL: "topic" });
    this.OPTION(() => {
      this.CONSUME(T.KeyKw);
      this.OR2({
        ERR_MSG: "a format (string or json) or 'windowed'",
        DEF: [
          {
            // `key windowed [FORMAT]`: the key with its window, as Kafka Streams' windowed serializers write it.
            ALT: () => {
              this.CONSUME(T.WindowedKw);
              this.OPTION4({
                GATE: () => is(this.LA(1), T.StringKw) || is(this.LA(1), T.JsonKw),
                DEF: () => this.SUBRULE3(this.format, { LABEL: "keyFormat" }),
              });
            },
          },
          { ALT: () => this.SUBRULE(this.format, { LABEL: "keyFormat" }) },
        ],
      });
    });
    this.OPTION2(() => {
      this.CONSUME(T.ValueKw);
      // `value string` and `value json …` are formats; anything else is an expression that
      // makes the value written (`value { customerId: key, total }`).
      this.OR({
        ERR_MSG: "a format (string or json) or an expression",
        IGNORE_AMBIGUITIES: true,
        DEF: [
          { GATE: () => is(this.LA(1), T.StringKw) || is(this.LA(1), T.JsonKw), ALT: () => this.SUBRULE2(this.format, { LABEL: "valueFormat" }) },
          { ALT: () => this.SUBRULE2(this.expression, { LABEL: "valueProjection" }) },
        ],
      });
    });
    this.OPTION3(() => {
      this.CONSUME(T.HeadersKw);
      this.SUBRULE(this.recordExpr, { LABEL: "headers" });
    });
  });

  /** `branch enriched { risky: risk > 0.8, big: amount > 100, normal: else }`: first match wins. */
  readonly branchDecl = this.RULE("branchDecl", () => {
    this.CONSUME(T.BranchKw);
    this.SUBRULE(this.name, { LABEL: "input" });
    this.CONSUME(T.LBrace);
    this.OPTION({
      GATE: this.noDeclarationAt(1),
      DEF: () => {
        this.SUBRULE(this.branchArm);
        this.MANY({
          GATE: this.noDeclarationAt(2),
          DEF: () => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.branchArm);
          },
        });
        this.OPTION2(() => this.CONSUME2(T.Comma));
      },
    });
    this.CONSUME(T.RBrace);
  });

  /** `risky: risk > 0.8` or `normal: else` (the records no earlier arm took). */
  readonly branchArm = this.RULE("branchArm", () => {
    this.SUBRULE(this.name);
    this.CONSUME(T.Colon);
    this.OR({
      ERR_MSG: "a condition or 'else'",
      DEF: [{ ALT: () => this.CONSUME(T.ElseKw) }, { ALT: () => this.SUBRULE(this.expression, { LABEL: "condition" }) }],
    });
  });

  readonly format = this.RULE("format", () => {
    this.OR({
      ERR_MSG: "a format (string or json)",
      DEF: [
        { ALT: () => this.CONSUME(T.StringKw) },
        {
          ALT: () => {
            this.CONSUME(T.JsonKw);
            this.OPTION({
              GATE: () => isFormatSchemaNameAt(this.la, 1),
              DEF: () => this.SUBRULE(this.name, { LABEL: "schema" }),
            });
          },
        },
      ],
    });
  });

  // ------------------------------------------------------------ pipelines

  readonly pipeline = this.RULE("pipeline", () => {
    this.SUBRULE(this.name, { LABEL: "input" });
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE(this.step);
    });
  });

  readonly step = this.RULE("step", () => {
    this.OR({
      ERR_MSG: "a step (where, select, flatmap, rekey, join, left join, right join, outer join, dedup, merge, group by, window, count, sum, aggregate)",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.WhereKw);
            this.SUBRULE(this.expression);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.SelectKw);
            this.SUBRULE2(this.expression);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.FlatmapKw);
            this.SUBRULE3(this.expression);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.RekeyKw);
            this.SUBRULE4(this.expression);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.GroupKw);
            this.CONSUME(T.ByKw);
            this.SUBRULE5(this.expression);
          },
        },
        { ALT: () => this.SUBRULE(this.windowStep) },
        { ALT: () => this.CONSUME(T.CountKw) },
        {
          ALT: () => {
            this.CONSUME(T.SumKw);
            this.SUBRULE6(this.expression);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.AggregateKw);
            this.SUBRULE(this.recordExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.joinStep) },
        { ALT: () => this.SUBRULE(this.dedupStep) },
        {
          ALT: () => {
            this.CONSUME(T.MergeKw);
            this.SUBRULE2(this.name, { LABEL: "merged" });
            this.MANY({
              GATE: this.noDeclarationAt(2),
              DEF: () => {
                this.CONSUME(T.Comma);
                this.SUBRULE3(this.name, { LABEL: "merged" });
              },
            });
          },
        },
      ],
    });
  });

  /** `join customers`, `left join clicks within 5 min grace 1 min`, `right join t`, `join customers on customerId` */
  readonly joinStep = this.RULE("joinStep", () => {
    this.OPTION(() =>
      this.OR([{ ALT: () => this.CONSUME(T.LeftKw) }, { ALT: () => this.CONSUME(T.RightKw) }, { ALT: () => this.CONSUME(T.OuterKw) }]),
    );
    this.CONSUME(T.JoinKw);
    this.SUBRULE(this.name, { LABEL: "other" });
    this.OPTION2(() => {
      this.CONSUME(T.OnKw);
      this.SUBRULE(this.expression, { LABEL: "on" });
    });
    this.OPTION3(() => {
      this.CONSUME(T.WithinKw);
      this.SUBRULE(this.joinWindow);
      this.OPTION4(() => {
        this.CONSUME(T.GraceKw);
        this.SUBRULE(this.duration, { LABEL: "grace" });
      });
    });
  });

  /**
   * After `within`: `5 minutes` (either way), `10 seconds before`, `2 seconds after`,
   * `10 seconds before and 2 seconds after` (or the other way round).
   */
  readonly joinWindow = this.RULE("joinWindow", () => {
    this.SUBRULE(this.duration, { LABEL: "first" });
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.BeforeKw);
            this.OPTION2(() => {
              this.CONSUME(T.AndKw);
              this.SUBRULE2(this.duration, { LABEL: "second" });
              this.CONSUME(T.AfterKw);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME2(T.AfterKw);
            this.OPTION3(() => {
              this.CONSUME2(T.AndKw);
              this.SUBRULE3(this.duration, { LABEL: "second" });
              this.CONSUME2(T.BeforeKw);
            });
          },
        },
      ]),
    );
  });

  /** `window tumbling 1 minute grace 10s`, `window hopping 5 min advance 1 min`, `window sliding 10 min`, `window session 30 min … emit final` */
  readonly windowStep = this.RULE("windowStep", () => {
    this.CONSUME(T.WindowKw);
    this.OR({
      ERR_MSG: "a kind of window (tumbling, hopping, sliding, session)",
      DEF: [
        { ALT: () => this.CONSUME(T.TumblingKw) },
        { ALT: () => this.CONSUME(T.HoppingKw) },
        { ALT: () => this.CONSUME(T.SlidingKw) },
        { ALT: () => this.CONSUME(T.SessionKw) },
      ],
    });
    this.SUBRULE(this.duration, { LABEL: "size" });
    this.OPTION(() => {
      this.CONSUME(T.AdvanceKw);
      this.SUBRULE2(this.duration, { LABEL: "advance" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.GraceKw);
      this.SUBRULE3(this.duration, { LABEL: "grace" });
    });
    this.OPTION3(() => {
      this.CONSUME(T.EmitKw);
      this.OR2({ ERR_MSG: "'final' or 'changes'", DEF: [{ ALT: () => this.CONSUME(T.FinalKw) }, { ALT: () => this.CONSUME(T.ChangesKw) }] });
    });
  });

  /** `dedup within 10 minutes` (by key) or `dedup by eventId within 1 h` (by key and eventId). */
  readonly dedupStep = this.RULE("dedupStep", () => {
    this.CONSUME(T.DedupKw);
    this.OPTION(() => {
      this.CONSUME(T.ByKw);
      this.SUBRULE(this.expression, { LABEL: "by" });
    });
    this.CONSUME(T.WithinKw);
    this.SUBRULE(this.duration, { LABEL: "within" });
  });

  /** `30 seconds`, `500ms`, `-1 min` (a minus sign parses, so that the compiler can say why it is wrong). */
  readonly duration = this.RULE("duration", () => {
    this.OPTION(() => this.CONSUME(T.Minus));
    this.CONSUME(T.NumberLiteral);
    this.OR({
      ERR_MSG: "a unit of time (ms, s, min, h, d)",
      DEF: [{ GATE: this.noDeclarationAt(1), ALT: () => this.CONSUME(T.Identifier, { LABEL: "unit" }) }],
    });
  });

  // ------------------------------------------------------------ expressions, lowest precedence first

  readonly expression = this.RULE("expression", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [{ ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE(this.orExpr) }],
    });
  });

  readonly ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.IfKw);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(T.ThenKw);
    this.SUBRULE2(this.expression, { LABEL: "then" });
    this.CONSUME(T.ElseKw);
    this.SUBRULE3(this.expression, { LABEL: "else" });
  });

  readonly orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.OrKw);
      this.SUBRULE2(this.andExpr);
    });
  });

  readonly andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.AndKw);
      this.SUBRULE2(this.notExpr);
    });
  });

  readonly notExpr = this.RULE("notExpr", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.NotKw);
            this.SUBRULE(this.notExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.compareExpr) },
      ],
    });
  });

  // Non-associative: `a < b < c` is an error, and so is `a < b in [...]`.
  // `x [not] in LIST` and `x [not] between LOW and HIGH` are comparisons too; the bounds of
  // `between` are additive expressions, so the `and` after HIGH is the logical one.
  readonly compareExpr = this.RULE("compareExpr", () => {
    this.SUBRULE(this.addExpr);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.ComparisonOperator);
            this.SUBRULE2(this.addExpr);
          },
        },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.NotKw));
            this.CONSUME(T.InKw);
            this.SUBRULE3(this.addExpr, { LABEL: "list" });
          },
        },
        {
          ALT: () => {
            this.OPTION3(() => this.CONSUME2(T.NotKw));
            this.CONSUME(T.BetweenKw);
            this.SUBRULE4(this.addExpr, { LABEL: "low" });
            this.CONSUME(T.AndKw);
            this.SUBRULE5(this.addExpr, { LABEL: "high" });
          },
        },
      ]);
    });
  });

  readonly addExpr = this.RULE("addExpr", () => {
    this.SUBRULE(this.mulExpr);
    this.MANY(() => {
      this.CONSUME(T.AdditiveOperator);
      this.SUBRULE2(this.mulExpr);
    });
  });

  readonly mulExpr = this.RULE("mulExpr", () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOperator);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  readonly unaryExpr = this.RULE("unaryExpr", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Minus);
            this.SUBRULE(this.unaryExpr);
          },
        },
        { ALT: () => this.SUBRULE(this.postfixExpr) },
      ],
    });
  });

  readonly postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.suffix));
  });

  /** `.name` or `[index]`: one rule, so the CST keeps the suffixes in source order. */
  readonly suffix = this.RULE("suffix", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.SUBRULE(this.name, { LABEL: "property" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.expression, { LABEL: "index" });
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });

  readonly primary = this.RULE("primary", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.TrueKw) },
        { ALT: () => this.CONSUME(T.FalseKw) },
        { ALT: () => this.CONSUME(T.NullKw) },
        { GATE: this.noDeclarationAt(1), ALT: () => this.SUBRULE(this.callOrName) },
        { ALT: () => this.SUBRULE(this.parenExpr) },
        { ALT: () => this.SUBRULE(this.recordExpr) },
        { ALT: () => this.SUBRULE(this.listExpr) },
      ],
    });
  });

  /** `name` or `name(args…)`: one rule, since both start with the name. */
  readonly callOrName = this.RULE("callOrName", () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.expression);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expression);
        });
        this.OPTION3(() => this.CONSUME2(T.Comma));
      });
      this.CONSUME(T.RParen);
    });
  });

  readonly parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  readonly recordExpr = this.RULE("recordExpr", () => {
    this.CONSUME(T.LBrace);
    this.OPTION({
      GATE: this.noDeclarationAt(1),
      DEF: () => {
        this.SUBRULE(this.recordField);
        this.MANY({
          GATE: this.noDeclarationAt(2),
          DEF: () => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.recordField);
          },
        });
        this.OPTION2(() => this.CONSUME2(T.Comma));
      },
    });
    this.CONSUME(T.RBrace);
  });

  readonly recordField = this.RULE("recordField", () => {
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expression);
    });
  });

  readonly listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  // ------------------------------------------------------------ names

  /** Every name goes through this rule, so the declaration gate applies everywhere. */
  readonly name = this.RULE("name", () => {
    this.OR({
      ERR_MSG: "a name",
      DEF: [{ GATE: this.noDeclarationAt(1), ALT: () => this.CONSUME(T.Identifier) }],
    });
  });

  // ------------------------------------------------------------ recovery

  /**
   * When the token after the unexpected one is the expected one, deleting the unexpected token is
   * the better repair (`table t x = y` is `table t = y` with an `x` too many), but chevrotain tries
   * inserting first, and would read `table t = x` and then trip over `= y`.
   */
  protected override canTokenTypeBeInsertedInRecovery(tokenType: TokenType): boolean {
    return !tokenMatcher(this.LA(2), tokenType);
  }

  /**
   * A token inserted by single-token-insertion recovery gets a zero-length range right after
   * the previous token (chevrotain leaves its offsets NaN), so every AST node has a real range.
   */
  protected override getTokenToInsert(tokenType: TokenType): IToken {
    const token = super.getTokenToInsert(tokenType);
    const previous = this.LA(0);
    const at = previous.endOffset === undefined || Number.isNaN(previous.endOffset) ? 0 : previous.endOffset + 1;
    token.startOffset = at;
    token.endOffset = at - 1;
    return token;
  }
}

/** The parser is stateful but reusable: set `input`, call `file()`, read `errors`. */
export const weirParser = new WeirParser();
