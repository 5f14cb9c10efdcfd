/**
 * The detcal plugin contract: everything a detector plugin, a constant type or an algorithm provides.
 * One member, one line of documentation. Units are in the names (`noiseAdu`, `gainKevPerAdu`).
 */

/** A typed array that can hold one constant or one block of frames. */
export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array;

/** Element types detcal stores, in numpy's notation: the digit is bytes ('u1' = uint8, 'u8' = uint64 as a BigUint64Array). */
export type DType = 'u1' | 'u2' | 'u4' | 'u8' | 'i2' | 'i4' | 'f4' | 'f8';

/** Operating conditions that select a constant (bias voltage, memory cells, gain mode, ...); numbers or strings. */
export type Conditions = Record<string, number | string>;

/** When a constant is valid: a run range and / or a time range. Open ends are null. */
export interface Validity {
  /** First run the constant applies to (inclusive). */
  beginRun: number | null;
  /** Last run the constant applies to (inclusive); null = open ended ("end"). */
  endRun: number | null;
  /** Start of validity, ISO 8601 UTC. */
  beginTime: string | null;
  /** End of validity, ISO 8601 UTC; null = open ended. */
  endTime: string | null;
}

/** Geometry of one detector module as the raw data presents it. */
export interface DetectorGeometry {
  /** Number of modules in the full detector (AGIPD1M: 16). */
  modules: number;
  /** Rows of one module's raw frame (slow scan). */
  moduleRows: number;
  /** Columns of one module's raw frame (fast scan). */
  moduleCols: number;
  /** Largest number of memory cells the detector can use (1 where it has none). */
  maxMemoryCells: number;
  /** Number of gain stages (1 for single-gain detectors). */
  gainStages: number;
  /** Names of the gain stages in order (e.g. ['high', 'medium', 'low']). */
  gainStageNames: readonly string[];
  /** ASIC tiling of a module: rows x cols of ASICs, each asicRows x asicCols pixels. */
  asics: { rows: number; cols: number; asicRows: number; asicCols: number };
  /** Pixel pitch in micrometres. */
  pixelSizeUm: number;
}

/** How frames are arranged in a raw dataset. */
export type FrameAxes =
  /** (frames, rows, cols): one frame per entry. */
  | 'frame'
  /** (frames, 2, rows, cols): axis 1 holds analog (0) and digital gain (1) values, as AGIPD raw. */
  | 'frame-analog-digital'
  /** (trains, cells, rows, cols): memory cells inside each train, as Jungfrau raw. */
  | 'train-cell';

/** Where a plugin's frames, ids and gain values live in a European XFEL raw sequence file, per module. */
export interface RawLayout {
  /** Aggregator name in file names for a module (RAW-R0001-<AGG>-S00000.h5), e.g. 'AGIPD00'. */
  aggregator(module: number): string;
  /** Source name of a module (METADATA/dataSourceId and INSTRUMENT/<source>). */
  source(module: number): string;
  /** Group below INSTRUMENT/<source> that holds the datasets and whose INDEX entry counts frames (e.g. 'image', 'data'). */
  group: string;
  /** Dataset name of the pixel values inside the group (e.g. 'data', 'adc', 'pixels'). */
  dataName: string;
  /** Axis arrangement of the pixel dataset. */
  axes: FrameAxes;
  /** Dataset name of separate per-pixel gain values (Jungfrau 'gain'), if any. */
  gainName?: string;
  /** Dataset name of the memory-cell id per frame (or per train x cell), if any. */
  cellIdName?: string;
  /** Dataset name of the train id per frame (or per train), if any. */
  trainIdName?: string;
  /** Dataset name of the pulse id per frame, if any. */
  pulseIdName?: string;
  /** numpy dtype of the raw pixel values. */
  dtype: DType;
}

/** One block of consecutive frames from one module, as streamed from a raw run. */
export interface FrameBlock {
  /** Module index the frames belong to. */
  module: number;
  /** Index of the first frame of this block within the (selected) run. */
  firstFrame: number;
  /** Number of frames in this block. */
  nFrames: number;
  /** Rows of each frame. */
  rows: number;
  /** Columns of each frame. */
  cols: number;
  /** Raw analog values, frame-major (nFrames * rows * cols). */
  data: Uint16Array | Float32Array;
  /** Raw per-pixel gain values (AGIPD digital value, Jungfrau gain bits), same length as data, if the detector has them. */
  gain?: Uint16Array | Uint8Array;
  /** Memory-cell id of each frame (0 where the detector has no cells). */
  cellIds: Uint16Array;
  /** Train id of each frame. */
  trainIds: Float64Array;
  /** Pulse id of each frame, if known. */
  pulseIds?: Float64Array;
  /** Pixel values not read yet (BlockReadOptions.pendingPixels): data and gain hold them only after readPendingPixels. */
  pending?: PendingPixelRead;
}

/** Where the pixel values of a block lie in its files, for a consumer that reads them itself (each thread its pixel range). */
export interface PendingPixelRead {
  /** Runs of consecutive block frames, each read by position from one file. */
  runs: PendingFrameRun[];
}

/** Consecutive frames of a block stored at a regular stride in one file, with the block array's element type. */
export interface PendingFrameRun {
  /** Path of the file. */
  file: string;
  /** Block array the values go to. */
  into: 'data' | 'gain';
  /** Block frame of the run's first frame. */
  frame: number;
  /** Frames in the run. */
  frames: number;
  /** File offset of the first frame's first value, bytes. */
  position: number;
  /** Bytes from one frame's first value to the next frame's in the file. */
  strideBytes: number;
}

/** Describes one kind of calibration constant (Offset, Noise, BadPixelsDark, pedestals, pixel_status ...). */
export interface ConstantType {
  /** Name as stored and as facility tools call it (e.g. 'Offset', 'pixel_status'). */
  name: string;
  /** Element type of the constant's array. */
  dtype: DType;
  /** Axis labels of the stored array, outermost first (e.g. ['gain', 'cell', 'row', 'col']). */
  dims: readonly string[];
  /** Physical unit of the values ('ADU', 'keV/ADU', '' for flags). */
  unit: string;
  /** One-line description shown by `detcal detectors`. */
  description: string;
}

/** One named array of a ConstantSet. */
export interface ConstantArray {
  /** Constant type name (a ConstantType.name). */
  name: string;
  /** Element type of data. */
  dtype: DType;
  /** Shape, outermost first, matching dims. */
  shape: number[];
  /** Axis labels, outermost first. */
  dims: string[];
  /** Physical unit of the values. */
  unit: string;
  /** The values in C order. */
  data: NumericArray;
}

/** Metadata that travels with every set of constants. */
export interface ConstantMetadata {
  /** Plugin id of the detector type (e.g. 'agipd'). */
  detectorType: string;
  /** Identifier of the physical detector / module (serial, PDU or source name). */
  detectorId: string;
  /** Module index within the detector. */
  module: number;
  /** Operating conditions the constants were measured at. */
  conditions: Conditions;
  /** Run numbers (or paths) the constants were derived from. */
  sourceRuns: string[];
  /** Creation time, ISO 8601 UTC. */
  createdAt: string;
  /** detcal version that produced the constants. */
  toolVersion: string;
  /** Parameters of the algorithms used (thresholds, methods...). */
  parameters: Record<string, unknown>;
  /** Validity, if already decided. */
  validity?: Validity;
}

/** Named typed arrays with dims and units, plus metadata: what a step produces and the store keeps. */
export interface ConstantSet {
  /** Metadata shared by all arrays. */
  metadata: ConstantMetadata;
  /** The constants, keyed by name. */
  constants: Record<string, ConstantArray>;
}

/** Options of a simulation request (the `detcal simulate` flags). */
export interface SimulateOptions {
  /** What to simulate ('dark', 'light', 'xray', 'current-source'); the same seed and module give the same pixel truth (offsets, noise, gains, bad pixels) in every kind. */
  kind: string;
  /** Seed of the pseudo-random generator; same seed, same files. */
  seed: number;
  /** Number of trains per run. */
  trains: number;
  /** Number of memory cells (1 where the detector has none). */
  cells: number;
  /** Module index to simulate. */
  module: number;
  /** Run number of the first run written. */
  firstRun: number;
  /** Frames per sequence file before a new S000nn file starts. */
  framesPerSequence: number;
  /** Photon energy of light / X-ray simulations in keV (default: the plugin's). */
  photonEnergyKev?: number;
}

/** Per-frame truth of a simulated run (light, X-ray): named arrays, frame-major like the raw block. */
export interface TruthBlock {
  /** Index of the first frame of this block within the run. */
  firstFrame: number;
  /** Number of frames in this block. */
  nFrames: number;
  /** Named per-pixel truth arrays of nFrames * rows * cols values (e.g. energyKev, gainStage, photons). */
  arrays: Record<string, Float32Array | Uint8Array | Uint16Array | Int32Array>;
}

/** One raw run a simulation writes, streamed block by block. */
export interface SimulatedRun {
  /** Run number used in file names. */
  run: number;
  /** Human label of the run (e.g. 'high', 'forceswitchg1', 'dark'). */
  label: string;
  /** Gain stage this run exercises (0 for single-gain detectors). */
  gainStage: number;
  /** Number of trains in the run. */
  trains: number;
  /** Memory cells (frames) per train. */
  cellsPerTrain: number;
  /** Total frames in the run. */
  nFrames: number;
  /** Produces the frames in order, blocks of at most maxFrames frames; memory stays bounded. */
  blocks(maxFrames: number): Iterable<FrameBlock>;
  /** Per-frame truth in the same blocks as blocks(maxFrames), for simulations that have it (light, X-ray). */
  truthBlocks?(maxFrames: number): Iterable<TruthBlock>;
}

/** What a plugin's simulator returns: runs to write and the per-pixel truth behind them. */
export interface Simulation {
  /** The raw runs, in the order a dark characterization expects them. */
  runs: SimulatedRun[];
  /** The truth, laid out like the constants detcal writes ([gain][cell][row][col]). */
  truth: ConstantSet;
}

/** Frames of one run as a step reads them: bounded memory, readable more than once. */
export interface FrameStream {
  /** Where the frames come from (run folder or file), for messages. */
  label: string;
  /** Run number, when the source names one. */
  run?: number;
  /** Frames the stream yields in total. */
  nFrames: number;
  /** Rows of each frame. */
  rows: number;
  /** Columns of each frame. */
  cols: number;
  /** Memory cells per train (1 where the detector has none). */
  cellsPerTrain?: number;
  /** Blocks carry per-pixel gain values. */
  hasGain: boolean;
  /** Blocks carry their values as a Uint16Array (u1 / u2 data), when the stream knows it before reading. */
  u2Values?: boolean;
  /** Yields the frames in blocks; every call starts again at the first frame (multi-pass algorithms). */
  blocks(opts?: BlockReadOptions): AsyncIterable<FrameBlock>;
}

/** How a consumer reads a FrameStream's blocks. */
export interface BlockReadOptions {
  /**
   * The consumer holds at most this many blocks at once, so the stream may write a new block into the
   * arrays of the block yielded `keep` blocks earlier (fresh memory costs page faults: reads into reused
   * buffers are several times faster). Default: every block has its own arrays.
   */
  keep?: number;
  /** Read only the first this many frames, in blocks of at most that size (a quick look, e.g. a run's gain stage). Streams may ignore it and yield more. */
  frames?: number;
  /** With keep: the reused arrays live here, so consecutive passes (also over other runs of the same frame shape) share them instead of each allocating its own; one pass at a time. */
  ring?: BlockRing;
  /**
   * The consumer reads the pixel values itself (worker threads, each its pixel range): blocks whose values lie
   * in their files as they lie in memory come unread, with `pending`. No frame of such a block is empty
   * (all zero): a block where one might be is read in full. Streams may ignore it.
   */
  pendingPixels?: boolean;
}

/** Block arrays a consumer lends to successive blocks() calls (BlockReadOptions.ring); start with { slots: [] }. */
export interface BlockRing {
  /** The reused blocks, managed by the streams. */
  slots: Array<FrameBlock | undefined>;
  /**
   * Memory for a block's pixel arrays (e.g. inside a kernel's WebAssembly memory, where the kernel reads the
   * frames in place): `bytes` zeroed bytes at `byteOffset` of `buffer`, or undefined for a new SharedArrayBuffer.
   */
  allocate?(bytes: number): { buffer: ArrayBuffer | SharedArrayBuffer; byteOffset: number } | undefined;
}

/** A numeric algorithm parameter: a number, a [lo, hi] range, or a list per gain stage. */
export type ParameterValue = number | string | boolean | number[] | number[][];

/** One tunable parameter of a step, shown by --help and settable with --param name=value. */
export interface ParameterSpec {
  /** Name as typed on the command line (snake_case, as the facility tools name it). */
  name: string;
  /** Default value. */
  defaultValue: ParameterValue;
  /** One-line meaning, with its unit. */
  description: string;
}

/** What a dark characterization gets: the runs (one per gain stage where the detector has stages) and settings. */
export interface DarkRequest {
  /** Dark runs in gain-stage order (AGIPD high/medium/low, Jungfrau G0/G1/G2); one run for single-gain detectors. */
  runs: FrameStream[];
  /** Module index. */
  module: number;
  /** Detector / module identifier written into the metadata. */
  detectorId: string;
  /** Algorithm family: 'euxfel' (default) or another the plugin lists in darkMethods. */
  method: string;
  /** Parameter values; missing names take the ParameterSpec defaults. */
  parameters: Record<string, ParameterValue>;
  /** Compute backend (a @detcal/kernels ComputeBackend); typed loosely so core stays dependency free. */
  backend: unknown;
  /** Worker threads for accumulation (pixel ranges in parallel while blocks are read); 1 = in-process. */
  threads?: number;
  /** Operating conditions to record with the constants. */
  conditions: Conditions;
  /** Called after each block with the frames and raw bytes processed. */
  progress?(frames: number, bytes: number, phase: string): void;
}

/** What a gain step (X-ray histograms, current-source scan, combination) gets. */
export interface GainRequest {
  /** Runs to analyse (none for steps that only combine constants). */
  runs: FrameStream[];
  /** Constant sets the step builds on, by the role the step documents (e.g. 'dark', 'xray', 'current-source'). */
  inputs: Record<string, ConstantSet>;
  /** Module index. */
  module: number;
  /** Detector / module identifier written into the metadata. */
  detectorId: string;
  /** Parameter values; missing names take the ParameterSpec defaults. */
  parameters: Record<string, ParameterValue>;
  /** Worker threads the step may use; 1 = in-process. */
  threads?: number;
  /** Operating conditions to record with the constants. */
  conditions: Conditions;
  /** Called as work progresses with frames (or pixel-cells) done and bytes read. */
  progress?(done: number, bytes: number, phase: string): void;
}

/** A constant of a streamed set without its values: name, dtype, final shape, dims (one labelled 'cell') and unit. */
export type ConstantLayout = Omit<ConstantArray, 'data'>;

/** Receives a constant set group of memory cells by group, so that only one group's values are in memory. */
export interface ConstantSink {
  /** Called once, before any values, with every constant's final layout (the sink preallocates them). */
  begin(layouts: readonly ConstantLayout[]): Promise<void>;
  /** Values of cells [cellStart, cellEnd) of every constant (final shapes, 'cell' axis cut to the range), or with `at` (axis name -> index, e.g. { gain: 1 }) of the constants in part, those axes cut to that index; buffers are reused once it resolves. */
  write(cellStart: number, cellEnd: number, part: Record<string, ConstantArray>, at?: Readonly<Record<string, number>>): Promise<void>;
  /** Optional: the values written so far of one constant's slab (addressed like write), for steps that finish earlier slabs later instead of holding them. */
  read?(name: string, cellStart: number, cellEnd: number, at?: Readonly<Record<string, number>>): Promise<NumericArray>;
}

/** One gain step of a plugin ('xray', 'current-source', 'combine' ...). */
export interface GainStep {
  /** One-line description shown by --help. */
  description: string;
  /** Roles of the constant sets it needs in GainRequest.inputs (empty when it reads runs). */
  inputs: readonly string[];
  /** Tunable parameters with defaults. */
  parameters: readonly ParameterSpec[];
  /** Runs the step. */
  run(request: GainRequest): Promise<ConstantSet>;
  /** Optional bounded-memory form of run: delivers the constants to `sink` in groups of cells and returns the set's metadata. */
  runToSink?(request: GainRequest, sink: ConstantSink): Promise<ConstantMetadata>;
}

/** One output dataset of a correction, per frame (EuXFEL corrected layout: data, mask, gain ...). */
export interface CorrectedDataset {
  /** Dataset name below the corrected source's image group (e.g. 'data', 'mask', 'gain', 'patterns'). */
  name: string;
  /** Element type. */
  dtype: DType;
  /** Whether the writer compresses it (gzip; the integer maps). */
  compress: boolean;
  /** Physical unit ('keV', 'ADU', 'photons', '' for flags). */
  unit: string;
  /** One-line meaning, written as an attribute. */
  description: string;
}

/** Constants and settings a correction is set up with, for one module. */
export interface CorrectSetup {
  /** Module index. */
  module: number;
  /** Constants by name (Offset, ThresholdsDark, BadPixelsDark, RelativeGain ...), laid out [gain][cell][row][col] as dark writes them. */
  constants: Record<string, ConstantArray>;
  /** Parameter values; missing names take the plugin's correctParameters defaults. */
  parameters: Record<string, ParameterValue>;
  /** Rows of a raw frame. */
  rows: number;
  /** Columns of a raw frame. */
  cols: number;
  /** Compute backend (a @detcal/kernels ComputeBackend); typed loosely so core stays dependency free. */
  backend: unknown;
}

/** A set-up correction: turns raw blocks into corrected per-frame datasets, block by block. */
export interface Corrector {
  /** The datasets correctBlock fills, 'data' first. */
  outputs: readonly CorrectedDataset[];
  /** Corrects one block into out[name] (nFrames * rows * cols values each, allocated by the caller from outputs). */
  correctBlock(block: FrameBlock, out: Record<string, NumericArray>): void;
  /** Totals gathered over the blocks so far (frames, masked pixels, photons per pattern ...), for the report. */
  summary(): Record<string, number>;
}

/** What a plugin's correction uses from the store or a constants file. */
export interface CorrectConstants {
  /** Constant names without which it cannot correct (e.g. ['Offset']). */
  required: readonly string[];
  /** Constant names it uses when present (e.g. ['BadPixelsDark', 'RelativeGain']). */
  optional: readonly string[];
}

/** The steps a detector plugin implements. Optional steps are added as issues land. */
export interface DetectorSteps {
  /** Builds a simulated measurement with known truth. */
  simulate(options: SimulateOptions): Simulation;
  /** Turns dark runs into constants (offset, noise, bad pixels, thresholds ...). */
  dark?(request: DarkRequest): Promise<ConstantSet>;
  /** Optional bounded-memory form of dark: delivers the same constants to `sink` in slabs (cell groups, per gain) and returns the set's metadata. */
  darkToSink?(request: DarkRequest, sink: ConstantSink): Promise<ConstantMetadata>;
  /** Gain characterization steps by name (e.g. 'xray', 'current-source', 'combine'). */
  gain?: Readonly<Record<string, GainStep>>;
  /** Sets up the correction of raw frames with resolved constants; throws a DetcalError when they do not fit. */
  correct?(setup: CorrectSetup): Corrector;
}

/** A detector described to detcal: geometry, raw layout, constants it produces, steps. */
export interface DetectorPlugin {
  /** Short lower-case id used on the command line (e.g. 'agipd'). */
  id: string;
  /** Human name (e.g. 'AGIPD 1M'). */
  displayName: string;
  /** Module geometry, memory cells and gain stages. */
  geometry: DetectorGeometry;
  /** Where the data lives in European XFEL raw files. */
  layout: RawLayout;
  /** Constant types this detector's steps produce. */
  constantTypes: readonly ConstantType[];
  /** The kinds of simulation the plugin supports (e.g. ['dark']). */
  simulationKinds: readonly string[];
  /** Default memory cells and trains for `detcal simulate`. */
  simulationDefaults: { cells: number; trains: number };
  /** Implemented steps. */
  steps: DetectorSteps;
  /** Dark methods the plugin implements (first = default), e.g. ['euxfel', 'psana']. */
  darkMethods?: readonly string[];
  /** Tunable parameters of the dark step per method, with defaults. */
  darkParameters?: Readonly<Record<string, readonly ParameterSpec[]>>;
  /** Constants the correct step needs and uses. */
  correctConstants?: CorrectConstants;
  /** Tunable parameters of the correct step, with defaults. */
  correctParameters?: readonly ParameterSpec[];
}

/** What a plugin package exports as default: a factory of its DetectorPlugin. */
export interface DetectorModule {
  /** Returns the plugin; called once per process. */
  getPlugin(): DetectorPlugin;
}

/** A named, parameterised algorithm that several detectors share (common mode, bad-pixel rules, peak finders). */
export interface Algorithm<P = Record<string, unknown>> {
  /** Name used on the command line (e.g. 'cm-row-median'). */
  name: string;
  /** Family it belongs to ('common-mode', 'bad-pixels', 'peak-finder', 'dark'). */
  family: string;
  /** One-line description. */
  description: string;
  /** Default parameters, also the list of accepted parameter names. */
  defaults: P;
}
