/**
 * Base of every detcal command: --json (oclif's enableJsonFlag), --debug, --plugin; the detector
 * registry; one-line errors in text and JSON form.
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { DetcalError, type DetectorPlugin, type PluginRegistry } from '@detcal/core';
import { createRegistry } from './lib/plugin-loader.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    plugin: Flags.string({
      summary: 'Load an extra detector plugin (package name or path to its JS entry); repeatable.',
      multiple: true,
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({ summary: 'Print stack traces of errors.', helpGroup: 'GLOBAL' }),
  };

  private registryPromise?: Promise<PluginRegistry>;

  /** The registry with built-in plugins and those named by --plugin. */
  protected registry(plugins: readonly string[] | undefined): Promise<PluginRegistry> {
    this.registryPromise ??= createRegistry(plugins ?? []);
    return this.registryPromise;
  }

  /** The plugin for a detector id. */
  protected async detector(id: string, plugins: readonly string[] | undefined): Promise<DetectorPlugin> {
    return (await this.registry(plugins)).get(id);
  }

  /** Prints a line on stdout unless --json is on. */
  protected say(message = ''): void {
    if (!this.jsonEnabled()) this.log(message);
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as { code?: unknown; message?: string };
    const code = err instanceof DetcalError ? err.code : typeof e?.code === 'string' ? e.code : 'ERROR';
    return { error: { code, message: String(e?.message ?? err).split('\n').map((l) => l.trim()).filter(Boolean).join(' ') } };
  }
}
