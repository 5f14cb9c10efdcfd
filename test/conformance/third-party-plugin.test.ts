// A plugin written outside the repo in plain JS passes the same suite as the built-ins.
import type { DetectorPlugin } from '@detcal/core';
import toy from '../fixtures/toy-detector.mjs';
import { describePluginConformance } from './plugin-conformance.js';

describePluginConformance(toy.getPlugin() as unknown as DetectorPlugin);
