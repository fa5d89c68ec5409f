// GENERATED from grammar/parser.ts by test/grammar/cst-types.test.ts — do not edit.
// Regenerate: UPDATE_SNAPSHOTS=1 npx vitest run test/grammar/cst-types.test.ts
//
// chevrotain's generateCstDts, with every child made optional: a CST built by error recovery
// can lack any child, so the AST builder must not trust the grammar's shape.

import type { CstNode, IToken } from "chevrotain";

export interface FileCstNode extends CstNode {
  name: "file";
  children: FileCstChildren;
}

export type FileCstChildren = {
  application?: ApplicationCstNode[];
  declaration?: DeclarationCstNode[];
};

export interface ApplicationCstNode extends CstNode {
  name: "application";
  children: ApplicationCstChildren;
}

export type ApplicationCstChildren = {
  ApplicationKw?: IToken[];
  name?: NameCstNode[];
};

export interface DeclarationCstNode extends CstNode {
  name: "declaration";
  children: DeclarationCstChildren;
}

export type DeclarationCstChildren = {
  importDecl?: ImportDeclCstNode[];
  schemaDecl?: SchemaDeclCstNode[];
  streamDecl?: StreamDeclCstNode[];
  tableDecl?: TableDeclCstNode[];
  sinkDecl?: SinkDeclCstNode[];
  branchDecl?: BranchDeclCstNode[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  ImportKw?: IToken[];
  LBrace?: IToken[];
  name?: NameCstNode[];
  Comma?: IToken[];
  RBrace?: IToken[];
  FromKw?: IToken[];
  StringLiteral?: IToken[];
};

export interface SchemaDeclCstNode extends CstNode {
  name: "schemaDecl";
  children: SchemaDeclCstChildren;
}

export type SchemaDeclCstChildren = {
  SchemaKw?: IToken[];
  name?: NameCstNode[];
  LBrace?: IToken[];
  field?: FieldCstNode[];
  Comma?: IToken[];
  RBrace?: IToken[];
};

export interface FieldCstNode extends CstNode {
  name: "field";
  children: FieldCstChildren;
}

export type FieldCstChildren = {
  name?: NameCstNode[];
  Question?: IToken[];
  Colon?: IToken[];
  typeRef?: TypeRefCstNode[];
};

export interface TypeRefCstNode extends CstNode {
  name: "typeRef";
  children: TypeRefCstChildren;
}

export type TypeRefCstChildren = {
  ListKw?: IToken[];
  LessThan?: IToken[];
  typeRef?: TypeRefCstNode[];
  GreaterThan?: IToken[];
  MapKw?: IToken[];
  mapKey?: TypeRefCstNode[];
  Comma?: IToken[];
  mapValue?: TypeRefCstNode[];
  name?: NameCstNode[];
};

export interface StreamDeclCstNode extends CstNode {
  name: "streamDecl";
  children: StreamDeclCstChildren;
}

export type StreamDeclCstChildren = {
  StreamKw?: IToken[];
  name?: NameCstNode[];
  FromKw?: IToken[];
  TopicKw?: IToken[];
  StringLiteral?: IToken[];
  KeyKw?: IToken[];
  keyFormat?: FormatCstNode[];
  ValueKw?: IToken[];
  valueFormat?: FormatCstNode[];
  EventKw?: IToken[];
  TimeKw?: IToken[];
  eventTime?: NameCstNode[];
  Equals?: IToken[];
  pipeline?: PipelineCstNode[];
};

export interface TableDeclCstNode extends CstNode {
  name: "tableDecl";
  children: TableDeclCstChildren;
}

export type TableDeclCstChildren = {
  TableKw?: IToken[];
  name?: NameCstNode[];
  FromKw?: IToken[];
  TopicKw?: IToken[];
  StringLiteral?: IToken[];
  KeyKw?: IToken[];
  keyFormat?: FormatCstNode[];
  ValueKw?: IToken[];
  valueFormat?: FormatCstNode[];
  EventKw?: IToken[];
  TimeKw?: IToken[];
  eventTime?: NameCstNode[];
  Equals?: IToken[];
  pipeline?: PipelineCstNode[];
};

export interface SinkDeclCstNode extends CstNode {
  name: "sinkDecl";
  children: SinkDeclCstChildren;
}

export type SinkDeclCstChildren = {
  SinkKw?: IToken[];
  name?: NameCstNode[];
  ToKw?: IToken[];
  TopicKw?: IToken[];
  topic?: ExpressionCstNode[];
  KeyKw?: IToken[];
  WindowedKw?: IToken[];
  keyFormat?: FormatCstNode[];
  ValueKw?: IToken[];
  valueFormat?: FormatCstNode[];
  valueProjection?: ExpressionCstNode[];
  HeadersKw?: IToken[];
  headers?: RecordExprCstNode[];
};

export interface BranchDeclCstNode extends CstNode {
  name: "branchDecl";
  children: BranchDeclCstChildren;
}

export type BranchDeclCstChildren = {
  BranchKw?: IToken[];
  input?: NameCstNode[];
  LBrace?: IToken[];
  branchArm?: BranchArmCstNode[];
  Comma?: IToken[];
  RBrace?: IToken[];
};

export interface BranchArmCstNode extends CstNode {
  name: "branchArm";
  children: BranchArmCstChildren;
}

export type BranchArmCstChildren = {
  name?: NameCstNode[];
  Colon?: IToken[];
  ElseKw?: IToken[];
  condition?: ExpressionCstNode[];
};

export interface FormatCstNode extends CstNode {
  name: "format";
  children: FormatCstChildren;
}

export type FormatCstChildren = {
  StringKw?: IToken[];
  JsonKw?: IToken[];
  schema?: NameCstNode[];
};

export interface PipelineCstNode extends CstNode {
  name: "pipeline";
  children: PipelineCstChildren;
}

export type PipelineCstChildren = {
  input?: NameCstNode[];
  Pipe?: IToken[];
  step?: StepCstNode[];
};

export interface StepCstNode extends CstNode {
  name: "step";
  children: StepCstChildren;
}

export type StepCstChildren = {
  WhereKw?: IToken[];
  expression?: ExpressionCstNode[];
  SelectKw?: IToken[];
  FlatmapKw?: IToken[];
  RekeyKw?: IToken[];
  GroupKw?: IToken[];
  ByKw?: IToken[];
  windowStep?: WindowStepCstNode[];
  CountKw?: IToken[];
  SumKw?: IToken[];
  AggregateKw?: IToken[];
  recordExpr?: RecordExprCstNode[];
  joinStep?: JoinStepCstNode[];
  dedupStep?: DedupStepCstNode[];
  MergeKw?: IToken[];
  merged?: NameCstNode[];
  Comma?: IToken[];
};

export interface JoinStepCstNode extends CstNode {
  name: "joinStep";
  children: JoinStepCstChildren;
}

export type JoinStepCstChildren = {
  LeftKw?: IToken[];
  RightKw?: IToken[];
  OuterKw?: IToken[];
  JoinKw?: IToken[];
  other?: NameCstNode[];
  OnKw?: IToken[];
  on?: ExpressionCstNode[];
  WithinKw?: IToken[];
  joinWindow?: JoinWindowCstNode[];
  GraceKw?: IToken[];
  grace?: DurationCstNode[];
};

export interface JoinWindowCstNode extends CstNode {
  name: "joinWindow";
  children: JoinWindowCstChildren;
}

export type JoinWindowCstChildren = {
  first?: DurationCstNode[];
  BeforeKw?: IToken[];
  AndKw?: IToken[];
  second?: DurationCstNode[];
  AfterKw?: IToken[];
};

export interface WindowStepCstNode extends CstNode {
  name: "windowStep";
  children: WindowStepCstChildren;
}

export type WindowStepCstChildren = {
  WindowKw?: IToken[];
  TumblingKw?: IToken[];
  HoppingKw?: IToken[];
  SlidingKw?: IToken[];
  SessionKw?: IToken[];
  size?: DurationCstNode[];
  AdvanceKw?: IToken[];
  advance?: DurationCstNode[];
  GraceKw?: IToken[];
  grace?: DurationCstNode[];
  EmitKw?: IToken[];
  FinalKw?: IToken[];
  ChangesKw?: IToken[];
};

export interface DedupStepCstNode extends CstNode {
  name: "dedupStep";
  children: DedupStepCstChildren;
}

export type DedupStepCstChildren = {
  DedupKw?: IToken[];
  ByKw?: IToken[];
  by?: ExpressionCstNode[];
  WithinKw?: IToken[];
  within?: DurationCstNode[];
};

export interface DurationCstNode extends CstNode {
  name: "duration";
  children: DurationCstChildren;
}

export type DurationCstChildren = {
  Minus?: IToken[];
  NumberLiteral?: IToken[];
  unit?: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  ifExpr?: IfExprCstNode[];
  orExpr?: OrExprCstNode[];
};

export interface IfExprCstNode extends CstNode {
  name: "ifExpr";
  children: IfExprCstChildren;
}

export type IfExprCstChildren = {
  IfKw?: IToken[];
  condition?: ExpressionCstNode[];
  ThenKw?: IToken[];
  then?: ExpressionCstNode[];
  ElseKw?: IToken[];
  else?: ExpressionCstNode[];
};

export interface OrExprCstNode extends CstNode {
  name: "orExpr";
  children: OrExprCstChildren;
}

export type OrExprCstChildren = {
  andExpr?: AndExprCstNode[];
  OrKw?: IToken[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  notExpr?: NotExprCstNode[];
  AndKw?: IToken[];
};

export interface NotExprCstNode extends CstNode {
  name: "notExpr";
  children: NotExprCstChildren;
}

export type NotExprCstChildren = {
  NotKw?: IToken[];
  notExpr?: NotExprCstNode[];
  compareExpr?: CompareExprCstNode[];
};

export interface CompareExprCstNode extends CstNode {
  name: "compareExpr";
  children: CompareExprCstChildren;
}

export type CompareExprCstChildren = {
  addExpr?: AddExprCstNode[];
  ComparisonOperator?: IToken[];
  NotKw?: IToken[];
  InKw?: IToken[];
  list?: AddExprCstNode[];
  BetweenKw?: IToken[];
  low?: AddExprCstNode[];
  AndKw?: IToken[];
  high?: AddExprCstNode[];
};

export interface AddExprCstNode extends CstNode {
  name: "addExpr";
  children: AddExprCstChildren;
}

export type AddExprCstChildren = {
  mulExpr?: MulExprCstNode[];
  AdditiveOperator?: IToken[];
};

export interface MulExprCstNode extends CstNode {
  name: "mulExpr";
  children: MulExprCstChildren;
}

export type MulExprCstChildren = {
  unaryExpr?: UnaryExprCstNode[];
  MultiplicativeOperator?: IToken[];
};

export interface UnaryExprCstNode extends CstNode {
  name: "unaryExpr";
  children: UnaryExprCstChildren;
}

export type UnaryExprCstChildren = {
  Minus?: IToken[];
  unaryExpr?: UnaryExprCstNode[];
  postfixExpr?: PostfixExprCstNode[];
};

export interface PostfixExprCstNode extends CstNode {
  name: "postfixExpr";
  children: PostfixExprCstChildren;
}

export type PostfixExprCstChildren = {
  primary?: PrimaryCstNode[];
  suffix?: SuffixCstNode[];
};

export interface SuffixCstNode extends CstNode {
  name: "suffix";
  children: SuffixCstChildren;
}

export type SuffixCstChildren = {
  Dot?: IToken[];
  property?: NameCstNode[];
  LBracket?: IToken[];
  index?: ExpressionCstNode[];
  RBracket?: IToken[];
};

export interface PrimaryCstNode extends CstNode {
  name: "primary";
  children: PrimaryCstChildren;
}

export type PrimaryCstChildren = {
  NumberLiteral?: IToken[];
  StringLiteral?: IToken[];
  TrueKw?: IToken[];
  FalseKw?: IToken[];
  NullKw?: IToken[];
  callOrName?: CallOrNameCstNode[];
  parenExpr?: ParenExprCstNode[];
  recordExpr?: RecordExprCstNode[];
  listExpr?: ListExprCstNode[];
};

export interface CallOrNameCstNode extends CstNode {
  name: "callOrName";
  children: CallOrNameCstChildren;
}

export type CallOrNameCstChildren = {
  name?: NameCstNode[];
  LParen?: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RParen?: IToken[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen?: IToken[];
  expression?: ExpressionCstNode[];
  RParen?: IToken[];
};

export interface RecordExprCstNode extends CstNode {
  name: "recordExpr";
  children: RecordExprCstChildren;
}

export type RecordExprCstChildren = {
  LBrace?: IToken[];
  recordField?: RecordFieldCstNode[];
  Comma?: IToken[];
  RBrace?: IToken[];
};

export interface RecordFieldCstNode extends CstNode {
  name: "recordField";
  children: RecordFieldCstChildren;
}

export type RecordFieldCstChildren = {
  name?: NameCstNode[];
  Colon?: IToken[];
  expression?: ExpressionCstNode[];
};

export interface ListExprCstNode extends CstNode {
  name: "listExpr";
  children: ListExprCstChildren;
}

export type ListExprCstChildren = {
  LBracket?: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RBracket?: IToken[];
};

export interface NameCstNode extends CstNode {
  name: "name";
  children: NameCstChildren;
}

export type NameCstChildren = {
  Identifier?: IToken[];
};
