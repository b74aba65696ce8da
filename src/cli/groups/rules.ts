// `whalefall rules validate FILE.json`: classification rules checked offline (no database).
import type { Command } from 'commander';
import { rulesFileHelp, validateRulesFile } from '../rulesValidate.js';

export function addRuleCommands(program: Command): void {
  const rules = program.command('rules').description('classification rules (DSL v4, docs/dsl-v4.md)');

  rules
    .command('validate')
    .description('check the rules of a JSON file as a rule write would; no database needed')
    .argument('<file>', 'a JSON file of rules')
    .addHelpText('after', `\n${rulesFileHelp}`)
    .action(async (file: string) => {
      const { exitCode, lines } = await validateRulesFile(file);
      for (const line of lines) console.log(line);
      process.exitCode = exitCode;
    });
}
