/**
 * The alert rules file (`--rules`, `VIGIL_RULES`, `alerting.rules_file`): read and validated at
 * start-up, and again on SIGHUP.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { parseRuleSet } from "../core/alerting/rule.js";
import type { AlertRule } from "../core/alerting/types.js";
import { VigilError } from "../core/errors.js";

/** Reads a rules file as YAML; throws CONFIG_INVALID naming the file when it cannot be read or parsed. */
export function readRulesFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new VigilError("CONFIG_INVALID", `cannot read rules file ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new VigilError("CONFIG_INVALID", `rules file ${path} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** Reads and validates a rules file; throws CONFIG_INVALID naming the file, and the rule and field at fault. */
export function loadRulesFile(path: string): AlertRule[] {
  try {
    return parseRuleSet(readRulesFile(path), "file", `rules file ${path}`);
  } catch (err) {
    if (err instanceof VigilError) throw new VigilError("CONFIG_INVALID", err.message, err.details, { cause: err });
    throw err;
  }
}
