import { BaseCommand } from '../base-command.js';
import { describeDetector, type DetectorSummary } from '../lib/describe-detector.js';
import { formatTable } from '../lib/format-table.js';

export default class Detectors extends BaseCommand {
  static override summary = 'List the detectors detcal knows: geometry, memory cells, gain stages, constant types.';
  static override description = 'Built-in plugins (agipd, jungfrau, epix100, pnccd) and any loaded with --plugin or DETCAL_PLUGINS.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --plugin ./my-detector/dist/index.js',
  ];

  async run(): Promise<{ detectors: DetectorSummary[] }> {
    const { flags } = await this.parse(Detectors);
    const detectors = (await this.registry(flags.plugin)).list().map(describeDetector);
    this.say(
      formatTable(
        ['id', 'name', 'module (rows x cols)', 'cells', 'gain stages', 'constant types'],
        detectors.map((d) => [
          d.id + (d.builtin ? '' : ' *'),
          d.name,
          `${d.moduleShape[0]} x ${d.moduleShape[1]}${d.modules > 1 ? ` (x${d.modules})` : ''}`,
          d.maxMemoryCells,
          d.gainStages.join('/'),
          d.constantTypes.map((c) => c.name).join(', '),
        ]),
      ),
    );
    if (detectors.some((d) => !d.builtin)) this.say('* loaded with --plugin / DETCAL_PLUGINS');
    return { detectors };
  }
}
