// A small TextMate tokenizer for the grammar's test: the rules weir's grammar uses
// (match with a name or captures, begin/end with inner patterns, includes of the
// repository), run line by line as TextMate runs them, with JavaScript's RegExp.
// At each position the leftmost match wins, and of matches at one position the first
// rule; inside a begin/end rule its end is tried before its inner patterns.

interface Rule {
  readonly name?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly captures?: Readonly<Record<string, { readonly name: string }>>;
  readonly patterns?: readonly RuleOrInclude[];
}
type RuleOrInclude = Rule | { readonly include: string };

export interface TextMateGrammar {
  readonly patterns: readonly RuleOrInclude[];
  readonly repository: Readonly<Record<string, Rule>>;
}

interface Compiled {
  readonly rule: Rule;
  readonly regex: RegExp;
  readonly end?: RegExp;
  readonly inner: readonly Compiled[];
}

function compile(grammar: TextMateGrammar, list: readonly RuleOrInclude[]): Compiled[] {
  return list.flatMap((entry): Compiled[] => {
    if ("include" in entry) {
      const included = grammar.repository[entry.include.replace(/^#/, "")];
      if (!included) throw new Error(`no repository entry ${entry.include}`);
      return compile(grammar, [included]);
    }
    if (entry.match !== undefined) return [{ rule: entry, regex: new RegExp(entry.match, "dg"), inner: [] }];
    if (entry.begin !== undefined) {
      return [{ rule: entry, regex: new RegExp(entry.begin, "dg"), end: new RegExp(entry.end!, "dg"), inner: compile(grammar, entry.patterns ?? []) }];
    }
    return compile(grammar, entry.patterns ?? []);
  });
}

/** The scopes of each character of `text` (outermost first), besides the grammar's own scope. */
export function scopesOfText(grammar: TextMateGrammar, text: string): string[][] {
  const top = compile(grammar, grammar.patterns);
  const scopes: string[][] = [];
  let open: Compiled | undefined;
  for (const line of text.split("\n")) {
    const lineScopes: string[][] = Array.from({ length: line.length + 1 }, () => []);
    const mark = (from: number, to: number, scope: string | undefined) => {
      if (scope === undefined) return;
      for (let i = from; i < to; i++) lineScopes[i]!.push(scope);
    };
    let position = 0;
    while (position <= line.length) {
      const candidates = open ? [{ rule: open.rule, regex: open.end!, inner: [], isEnd: true }, ...open.inner.map((c) => ({ ...c, isEnd: false }))] : top.map((c) => ({ ...c, isEnd: false }));
      let best: { candidate: (typeof candidates)[number]; match: RegExpExecArray } | undefined;
      for (const candidate of candidates) {
        candidate.regex.lastIndex = position;
        const match = candidate.regex.exec(line);
        if (match && (!best || match.index < best.match.index)) best = { candidate, match };
      }
      if (!best) {
        if (open) mark(position, line.length, open.rule.name);
        break;
      }
      const { candidate, match } = best;
      const end = match.index + match[0].length;
      if (open) mark(position, match.index, open.rule.name);
      if (candidate.isEnd) {
        mark(match.index, end, open!.rule.name);
        open = undefined;
      } else if ("end" in candidate && candidate.end) {
        mark(match.index, end, candidate.rule.name);
        open = candidate as Compiled;
      } else {
        if (open) mark(match.index, end, open.rule.name);
        mark(match.index, end, candidate.rule.name);
        for (const [group, capture] of Object.entries(candidate.rule.captures ?? {})) {
          const span = match.indices?.[Number(group)];
          if (span) mark(span[0], span[1], capture.name);
        }
      }
      position = end > match.index ? end : end + 1;
    }
    scopes.push(...lineScopes);
  }
  return scopes;
}
