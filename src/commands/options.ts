// Command-line options. Those that stand for a setting are built from the
// settings table (runtime/settings.ts): the flag, its help, its default and
// the check of its argument are written there once.
import { InvalidArgumentError, Option } from "commander";
import type { PrintFormat } from "../../runtime/internal/record-bytes.ts";
import { settingTypes, type NamedSetting, type SettingType } from "../../runtime/settings.ts";

/** An argument parser that checks the text with a setting's type; commander's one line then ends "expected VALUES". */
export function checkedBy<T>(type: SettingType<T>): (text: string) => T {
  return (text) => {
    // A blank argument is no value (zod would read it as the number 0).
    const parsed = text.trim() === "" ? undefined : type.schema.safeParse(text);
    if (!parsed?.success) throw new InvalidArgumentError(`expected ${type.values}`);
    return parsed.data;
  };
}

/** How another command than `weir run` words a setting's flag, and whether it checks the argument itself. */
export interface FlagElsewhere {
  readonly help: string;
  /** Passed on as given, the command's callee checks it (so `weir reset --brokers`: resetKafka, exit code 1). */
  readonly takenAsGiven?: true;
}

/**
 * The option of a setting: as `weir run` has it (the table's help and
 * default), or as another command words it. A Kafka setting refused without
 * --brokers gets no default value (so that it is seen when given): its default
 * is said in its help instead.
 */
export function settingOption(setting: NamedSetting, elsewhere?: FlagElsewhere): Option {
  const flag = setting.flag;
  if (flag === undefined) throw new Error(`setting ${setting.key} has no flag`);
  const defaultInHelp = elsewhere === undefined && setting.withoutBrokers === "refused" && setting.default !== undefined;
  const option = new Option(flag.spec, defaultInHelp ? `${flag.help} (default ${String(setting.default)})` : (elsewhere?.help ?? flag.help));
  const takesArgument = flag.spec.includes("<");
  if (takesArgument && !(elsewhere?.takenAsGiven ?? flag.takenAsGiven)) option.argParser(checkedBy(setting.type));
  if (elsewhere === undefined && !defaultInHelp && setting.default !== undefined) option.default(setting.default);
  return option;
}

/** A whole number of at least 1, as the settings take them (`--partitions`). */
export const positiveInteger = checkedBy(settingTypes.positiveInteger);

export function printFormatOption(value: string): PrintFormat {
  if (value !== "auto" && value !== "json" && value !== "string") throw new InvalidArgumentError("expected auto, json or string");
  return value;
}
