import Foundation
import Hardware
import Scenario
import Simulation
import Workload
import Yams
import YAMLSupport

/// A grid of what-ifs over a scenario: every combination of the varied keys'
/// values, for every run.
///
/// Keys are the scenario's own key paths (`cluster.gpu`, `strategy.kind`,
/// `batch_per_gpu`, `precision`, `model`, `cluster.network.link`...), plus:
/// - `gpus`: the GPU count (default: each run's own counts);
/// - `network_gbps`, `gpu_link_gbps`: the bandwidth per direction, in Gb/s, of the
///   network NICs or of the links joining a node's GPUs;
/// - `network_latency_us`: the latency of each network hop;
/// - `image_size`: the side of the square image every run's built-in model trains on
///   (`model: {name: resnet50, input: [3, S, S]}`, or the channels the model's input gives).
public struct Sweep {
    /// One varied key and its values, as given.
    public struct Axis: Sendable, Equatable, Codable {
        public var key: String
        public var values: [String]

        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }

        /// Parses `KEY=V1,V2,...`; a comma inside brackets or braces belongs to its value
        /// (`cluster.network.dimensions=[4,4],[2,8]` is two values, each a YAML list).
        public static func parse(_ text: String) throws -> Axis {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw SweepError("--vary '\(text)': expected KEY=VALUE,VALUE,...") }
            var values: [String] = []
            var current = ""
            var depth = 0
            for character in parts[1] {
                switch character {
                case "[", "{": depth += 1
                case "]", "}":
                    guard depth > 0 else { throw SweepError("--vary \(parts[0]): '\(character)' closes nothing in '\(parts[1])'") }
                    depth -= 1
                case "," where depth == 0:
                    values.append(current)
                    current = ""
                    continue
                default: break
                }
                current.append(character)
            }
            guard depth == 0 else { throw SweepError("--vary \(parts[0]): a bracket or brace is left open in '\(parts[1])'") }
            values.append(current)
            values = values.map { $0.trimmingCharacters(in: .whitespaces) }
            guard !values.contains(where: \.isEmpty) else { throw SweepError("--vary \(parts[0]): a value is empty in '\(parts[1])'") }
            // A value given twice would sweep one configuration twice, and a plan would list it as
            // two. Numbers are compared as numbers (8 and 08); names (GPUs, links, models) whatever
            // their case (h100 is H100); labels, mappings and lists ({file: A.yaml}) as written.
            var seen: [String: String] = [:]
            for value in values {
                let key = NumberText.decimal(value).map { "\($0)" }
                    ?? (parts[0] == "label" || value.contains(where: { "{[/".contains($0) }) ? value : value.lowercased())
                if let first = seen.updateValue(value, forKey: key) {
                    throw SweepError("--vary \(parts[0]): '\(value)' is listed twice" + (first == value ? "" : " (as '\(first)' too)"))
                }
            }
            return Axis(key: parts[0], values: values)
        }
    }

    /// One configuration of the grid.
    public struct Point: Sendable {
        public var index: Int
        /// The run simulated, with every varied value but the GPU count applied.
        public var run: RunSpec {
            get { shared.run }
            set { shared = SharedRun(newValue) }
        }
        /// The run, held once for every point of the same variant: a run is about 1.7 kB,
        /// and a 100,000-point sweep held one per point (and one per job as it ran).
        private(set) var shared: SharedRun
        /// The run's position in the scenario (labels may repeat or be missing).
        public var runIndex: Int
        public var runLabel: String
        /// The varied values, in axis order.
        public var values: [String]
        public var gpus: Int

        init(index: Int, run: SharedRun, runIndex: Int, runLabel: String, values: [String], gpus: Int) {
            self.index = index
            self.shared = run
            self.runIndex = runIndex
            self.runLabel = runLabel
            self.values = values
            self.gpus = gpus
        }
    }

    /// A run shared by reference between the points (and the jobs) of one variant.
    final class SharedRun: Sendable {
        let run: RunSpec
        init(_ run: RunSpec) { self.run = run }
    }

    static let whatIfKeys = ["network_gbps", "gpu_link_gbps", "network_latency_us"]
    /// The sweep's key for the image size of built-in models (see `withImageSize`).
    static let imageSizeKey = "image_size"

    /// A combination of varied values one run cannot take while others can (model parallelism
    /// varied over two networks, one of them branched): left out of the grid, the others swept.
    public struct Exclusion: Sendable {
        /// The run's label; for an unlabelled run its model and key path (`resnet50 (runs[1])`,
        /// as the rows name it) in a scenario of several runs, nil in a scenario of one (the
        /// reason names the model varied, if any).
        public var runLabel: String?
        public var runIndex: Int
        /// The varied values, in axis order.
        public var values: [String]
        /// The varied scenario keys and their values, as `--vary` writes them (`strategy.kind=model`),
        /// which the reason ends with.
        var varied: String
        /// How many points the combination would have had.
        public var points: Int
        /// Why the run cannot take them: the error with this run alone, naming the `--vary` values.
        public var reason: ConfigError
        /// The error the varied scenario gave as a whole, thrown where leaving out would hide a mistake.
        public var asWhole: ConfigError
    }

    public let scenarioPath: String
    public let axes: [Axis]
    public let catalog: Catalog
    /// The files the scenario and its varied scenarios name (`Scenario.namedFiles`): with
    /// `scenarioPath`, what no output may be written over.
    public private(set) var namedFiles: [String]
    /// Every point, in order: runs, then the axes with the last varying fastest.
    public private(set) var points: [Point] = []
    /// The combinations left out, in grid order (`Exclusion`); their points are not in `points`.
    public private(set) var excluded: [Exclusion] = []
    /// Where a run sets a key that `--vary` sets too, at the run's own key: the varied values
    /// replace the run's in every point (`override`), while its label, which may name the value
    /// replaced (a run labelled `A100` varied over `cluster.gpu`), stays. Said, not refused:
    /// replacing is what varying a key is for.
    public private(set) var runOverrides: [ConfigError] = []

    /// Builds the grid: parses the scenario once per combination of YAML keys. A combination
    /// one run cannot take is left out (`excluded`) where each of its values is taken in another.
    /// - Throws: `ConfigError` for the scenario or a varied value no run takes with any
    ///   other (the message names the `--vary` values), `SweepError` for a bad axis.
    public init(scenarioPath: String, axes: [Axis], run label: String? = nil) throws {
        self.scenarioPath = scenarioPath
        self.axes = axes
        let root = try YAMLValue.load(path: scenarioPath)
        let base = (scenarioPath as NSString).deletingLastPathComponent
        let baseScenario = try Scenario.load(path: scenarioPath)
        catalog = baseScenario.catalog
        namedFiles = baseScenario.namedFiles
        var keys = Set<String>()
        if let twice = axes.map(\.key).first(where: { !keys.insert($0).inserted }) {
            throw SweepError("--vary: \(twice) is varied twice; give its values once, comma-separated (--vary \(twice)=A,B)")
        }
        // A key inside another varied key (cluster.gpu in cluster): which value wins would depend on
        // the flags' order, and the row would name one value while simulating the other.
        for outer in axes {
            if let inner = axes.first(where: { $0.key.hasPrefix(outer.key + ".") }) {
                throw SweepError("--vary \(inner.key.singleLine) lies inside --vary \(outer.key.singleLine): vary one of them, "
                                 + "or the inner key's values inside the outer one's")
            }
        }
        let sweepKeys = ["gpus"] + Self.whatIfKeys + [Self.imageSizeKey]
        for axis in axes where !axis.key.contains(".") && !sweepKeys.contains(axis.key) && !Scenario.runKeys.contains(axis.key) {
            // A key of a run's section given bare (bucket_mb for strategy.bucket_mb): where it belongs.
            if let paths = Scenario.keysElsewhere[axis.key]?.filter({ $0.contains(".") }), !paths.isEmpty {
                throw SweepError("--vary \(axis.key.singleLine): unknown key here; did you mean '\(paths.joined(separator: "' or '"))'?")
            }
            // A misspelt key, or one named as other tools name it (batchsize, batch_size): the nearest, or the one it begins like.
            let keys = Scenario.runKeys + sweepKeys
            let begunAlike = keys.filter { $0.lowercased().hasPrefix(String(axis.key.lowercased().prefix(5))) }
            if let near = nearest(axis.key, in: keys, maxEdits: 3) ?? (axis.key.count >= 5 && begunAlike.count == 1 ? begunAlike[0] : nil) {
                throw SweepError("--vary \(axis.key.singleLine): unknown key; did you mean '\(near)'?")
            }
            throw SweepError("--vary \(axis.key.singleLine): unknown key; vary a scenario key (\(Scenario.runKeys.joined(separator: ", "))), "
                             + "a key path such as cluster.gpu or cluster.network.oversubscription, or one of the sweep's own: \(sweepKeys.joined(separator: ", "))")
        }
        for axis in axes where axis.key == "gpus" {
            for value in axis.values {
                guard let n = Int(value), Limits.gpus.contains(n) else {
                    throw SweepError("--vary gpus: '\(value)' is not a GPU count between 1 and \(Limits.gpus.upperBound)")
                }
            }
        }
        for axis in axes where axis.key == Self.imageSizeKey {
            for value in axis.values {
                guard let side = Int(value), Limits.extent.contains(side) else {
                    throw SweepError("--vary image_size: '\(value)' is not an image side in pixels between 1 and \(Limits.extent.upperBound)")
                }
            }
        }
        for axis in axes where Self.whatIfKeys.contains(axis.key) {
            // Gb/s for bandwidths (1 kB/s to 1 PB/s, as the catalog allows), microseconds for latency.
            let range = axis.key == "network_latency_us" ? Limits.microseconds
                : (Limits.gigabytesPerSecond.lowerBound * 8)...(Limits.gigabytesPerSecond.upperBound * 8)
            for value in axis.values {
                let bounds = "between \(NumberText.written(range.lowerBound)) and \(NumberText.written(range.upperBound))"
                guard let x = NumberText.decimal(value) else {
                    throw SweepError("--vary \(axis.key): '\(value)' is not a number; give one \(bounds)")
                }
                guard range.contains(x) else {
                    throw SweepError("--vary \(axis.key): \(value) is out of range: give a number \(bounds)")
                }
            }
        }
        let runIndices = baseScenario.runIndices(selectedBy: label)
        guard !runIndices.isEmpty else { throw SweepError(baseScenario.noRunSelected(by: label!)) }
        runOverrides = try Self.runOverrides(in: root, runs: runIndices, axes: axes.filter { !sweepKeys.contains($0.key) })
        // Counted before the grid is built (in floating point: 1,000 values on each of four axes overflow nothing).
        let combinationCount = axes.reduce(1.0) { $0 * Double($1.values.count) }
        let pointCount = runIndices.reduce(0.0) { total, r in
            total + combinationCount * Double(axes.contains { $0.key == "gpus" } ? 1 : baseScenario.runs[r].gpuCounts.count)
        }
        guard pointCount <= Double(Limits.sweepPoints) else {
            throw SweepError("--vary: the grid has \(String(format: "%.0f", pointCount)) points; at most \(Limits.sweepPoints) "
                             + "(each point is held in memory, and a million take some 17 minutes on two cores where each is priced "
                             + "by closed forms, longer simulated transfer by transfer): vary fewer values")
        }
        // With --run, the other runs are left out of the varied scenarios: a value that only
        // they reject must not stop the sweep of the chosen run.
        let varied = label == nil ? root : Self.keepingRuns(root, at: runIndices)

        var combinations: [[String]] = [[]]
        for axis in axes { combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } } }
        var parsed: [String: Result<Scenario, ConfigError>] = [:]
        // Where the whole varied scenario fails: each run parsed alone, by run and combination.
        var parsedAlone: [String: Result<RunSpec, ConfigError>] = [:]
        // A variant's run is the same for every GPU count: built and held once.
        var variants: [String: SharedRun] = [:]
        let gpusAxis = axes.firstIndex { $0.key == "gpus" }
        // An unlabelled run is named by its model and, in a scenario of several runs, by its key path
        // too, as `ConfigurationResult.runName` names it.
        let severalRuns = baseScenario.runs.count > 1
        func name(_ run: RunSpec, _ r: Int) -> String { run.label ?? run.modelLabel + (severalRuns ? " (\(Scenario.keyPath(ofRun: r)))" : "") }
        // plan and report rank configurations per model name, so, as in a scenario's runs, one name is
        // one network: two model files exported under one name (a factory at two widths) are not ranked
        // as one model. The first variant of each name, and the values that made it.
        var modelNamed: [String: (network: Network, values: String)] = [:]
        var index = 0
        for r in runIndices {
            for values in combinations {
                let variantKey = Self.variantKey(runIndex: r, axes: axes, values: values)
                if let shared = variants[variantKey], let gpusAxis {
                    points.append(Point(index: index, run: shared, runIndex: r, runLabel: name(shared.run, r),
                                        values: values, gpus: Int(values[gpusAxis])!))
                    index += 1
                    continue
                }
                let yamlPairs = zip(axes, values).filter { $0.0.key != "gpus" && !Self.whatIfKeys.contains($0.0.key) }
                let assignments = yamlPairs.map { "\($0.0.key)=\($0.1)" }
                let cacheKey = assignments.joined(separator: "\u{1}")
                let pairs = yamlPairs.map { ($0.0.key, $0.1) }
                let variedText = assignments.joined(separator: " ")
                let with = " (with --vary \(variedText))"
                if parsed[cacheKey] == nil {
                    do {
                        let scenario = yamlPairs.isEmpty ? baseScenario
                            : try Scenario.read(yaml: Self.override(varied, with: pairs), baseDirectory: base)
                        for file in scenario.namedFiles where !namedFiles.contains(file) { namedFiles.append(file) }
                        parsed[cacheKey] = .success(scenario)
                    } catch var error as ConfigError {
                        error.message += with
                        parsed[cacheKey] = .failure(label == nil ? error : Self.renumberingRun(error) { runIndices[$0] })
                    }
                }
                var run: RunSpec
                switch parsed[cacheKey]! {
                case .success(let scenario):
                    // A varied scenario holds only the chosen runs under --run, in their order.
                    run = label == nil || yamlPairs.isEmpty ? scenario.runs[r]
                        : Self.renumberingRun(scenario.runs[runIndices.firstIndex(of: r)!]) { runIndices[$0] }
                case .failure(let whole):
                    // One run may reject values the others take (model parallelism on a network with
                    // branches): this run alone decides whether it is left out.
                    if parsedAlone["\(r)\u{2}" + cacheKey] == nil {
                        for k in runIndices {
                            do {
                                let alone = try Scenario.read(yaml: Self.override(Self.keepingRuns(root, at: [k]), with: pairs), baseDirectory: base)
                                for file in alone.namedFiles where !namedFiles.contains(file) { namedFiles.append(file) }
                                parsedAlone["\(k)\u{2}" + cacheKey] = .success(Self.renumberingRun(alone.runs[0]) { _ in k })
                            } catch var alone as ConfigError {
                                alone.message += with
                                parsedAlone["\(k)\u{2}" + cacheKey] = .failure(Self.renumberingRun(alone) { _ in k })
                            }
                        }
                        // Every run takes the values alone: what fails is between the runs, not one run's.
                        if runIndices.allSatisfy({ (try? parsedAlone["\($0)\u{2}" + cacheKey]!.get()) != nil }) { throw whole }
                    }
                    switch parsedAlone["\(r)\u{2}" + cacheKey]! {
                    case .success(let alone): run = alone
                    case .failure(let reason):
                        excluded.append(Exclusion(runLabel: severalRuns ? name(baseScenario.runs[r], r) : baseScenario.runs[r].label,
                                                  runIndex: r, values: values, varied: variedText,
                                                  points: gpusAxis == nil ? baseScenario.runs[r].gpuCounts.count : 1,
                                                  reason: reason, asWhole: whole))
                        continue
                    }
                }
                for (axis, value) in zip(axes, values) {
                    switch axis.key {
                    case "network_gbps":
                        run = try Self.whatIf(axis, value) { try WhatIf.withBandwidth(run, link: .network, bytesPerSecond: NumberText.decimal(value)! * 1e9 / 8) }
                    case "gpu_link_gbps":
                        run = try Self.whatIf(axis, value) { try WhatIf.withBandwidth(run, link: .gpu, bytesPerSecond: NumberText.decimal(value)! * 1e9 / 8) }
                    case "network_latency_us":
                        run = try Self.whatIf(axis, value) { try WhatIf.withNetworkLatency(run, seconds: NumberText.decimal(value)! * 1e-6) }
                    default: break
                    }
                }
                let made = yamlPairs.isEmpty ? "the scenario as written" : "--vary " + variedText
                if let first = modelNamed[run.modelLabel], !Scenario.samePricedNetwork(first.network, run.network) {
                    throw SweepError("the model name '\(run.modelLabel.singleLine)' names two networks, with \(first.values.singleLine) "
                                     + "(\(first.network.parameters) parameters, \(first.network.forwardFLOPsPerExample) forward FLOPs per image) "
                                     + "and with \(made.singleLine) (\(run.network.parameters), \(run.network.forwardFLOPsPerExample)); "
                                     + "give each model its own name (plan and report rank configurations per model name)")
                }
                if modelNamed[run.modelLabel] == nil { modelNamed[run.modelLabel] = (run.network, made) }
                let counts = gpusAxis.map { [Int(values[$0])!] } ?? run.gpuCounts
                let shared = SharedRun(run)
                variants[variantKey] = shared
                for gpus in counts {
                    points.append(Point(index: index, run: shared, runIndex: r, runLabel: name(run, r), values: values, gpus: gpus))
                    index += 1
                }
            }
        }
        try Self.refuseMistakes(excluded, axes: axes, runs: runIndices.count, combinations: combinations.count, pointsLeft: points.count)
    }

    /// Stops on the first combination left out where leaving combinations out would hide a
    /// mistake rather than an incompatibility: a varied value that no run takes with any other
    /// value (a misspelt GPU, a strategy no run can follow); so a grid never ends up empty.
    /// - Throws: that combination's error as the whole varied scenario gave it.
    static func refuseMistakes(_ excluded: [Exclusion], axes: [Axis], runs: Int, combinations: Int, pointsLeft: Int) throws {
        guard let first = excluded.first else { return }
        guard pointsLeft > 0 else { throw first.asWhole }
        // An unknown name (a misspelt GPU, link, model or profile) is a mistake even where another
        // combination never reads it (a PCIe link varied beside an nvswitch fabric).
        if let unknown = excluded.first(where: { $0.reason.message.hasPrefix("unknown ") }) { throw unknown.asWhole }
        for (a, axis) in axes.enumerated() {
            // Every value of an axis is in the same number of combinations, for every run.
            let tried = runs * combinations / axis.values.count
            var failed: [String: Int] = [:]
            for combination in excluded {
                failed[combination.values[a], default: 0] += 1
                if failed[combination.values[a]] == tried { throw excluded.first { $0.values[a] == combination.values[a] }!.asWhole }
            }
        }
    }

    /// What names a point's run apart from its GPU count: the scenario's run and every
    /// varied value but `gpus`. Points with the same key share their run (`SharedRun`)
    /// and their one-GPU baseline (`evaluate`).
    static func variantKey(runIndex: Int, axes: [Axis], values: [String]) -> String {
        "\(runIndex)\u{1}" + zip(axes, values).filter { $0.0.key != "gpus" }.map(\.1).joined(separator: "\u{1}")
    }

    /// `body`'s what-if on `axis` at `value`; a what-if the run cannot take names both.
    private static func whatIf(_ axis: Axis, _ value: String, _ body: () throws -> RunSpec) throws -> RunSpec {
        do { return try body() } catch let error as WhatIfError { throw SweepError("--vary \(axis.key)=\(value): \(error.message)") }
    }

    /// `error` with the run its key path starts with (`runs[k]`) renamed `runs[original(k)]`: a
    /// varied scenario under `--run` holds only the chosen runs (`keepingRuns`), so its `runs[0]`
    /// may be the scenario's `runs[2]`, which is what the user wrote and must be told.
    static func renumberingRun(_ error: ConfigError, _ original: (Int) -> Int) -> ConfigError {
        guard error.keyPath.hasPrefix("runs["), let close = error.keyPath.firstIndex(of: "]"),
              let k = Int(error.keyPath[error.keyPath.index(error.keyPath.startIndex, offsetBy: 5)..<close]) else { return error }
        var renamed = error
        renamed.keyPath = "runs[\(original(k))]" + error.keyPath[error.keyPath.index(after: close)...]
        return renamed
    }

    /// `run` as parsed from a scenario that holds only some of the runs (`keepingRuns`), its
    /// locations renamed as `renumberingRun` renames an error's: what simulate and plan point
    /// at later (the batch, the GPU counts, the unused keys, the pricing) names the run as the
    /// user wrote it.
    static func renumberingRun(_ run: RunSpec, _ original: (Int) -> Int) -> RunSpec {
        var renamed = run
        renamed.batchLocation = renumberingRun(run.batchLocation, original)
        renamed.gpusLocation = renumberingRun(run.gpusLocation, original)
        renamed.maxGlobalBatchLocation = run.maxGlobalBatchLocation.map { renumberingRun($0, original) }
        renamed.unusedKeys = run.unusedKeys.map { renumberingRun($0, original) }
        if let pricing = run.pricing { renamed.pricing?.location = renumberingRun(pricing.location, original) }
        return renamed
    }

    /// The scenario with only the runs at `indices` under `runs:` (unchanged without `runs:`),
    /// and without its `published:` block, whose points name runs that may be left out (a sweep
    /// compares with no measurement).
    static func keepingRuns(_ root: YAMLValue, at indices: [Int]) -> YAMLValue {
        guard case .mapping(let top) = root.node else { return root }
        let pairs: [(Node, Node)] = top.filter { $0.key.string != "published" }.map { key, value in
            guard key.string == "runs", case .sequence(let runs) = value else { return (key, value) }
            let kept = runs.enumerated().filter { indices.contains($0.offset) }.map(\.element)
            return (key, .sequence(Node.Sequence(Array(kept), runs.tag, runs.style, runs.mark)))
        }
        return YAMLValue(node: .mapping(Node.Mapping(pairs, top.tag, top.style, top.mark)), file: root.file, keyPath: root.keyPath)
    }

    /// The keys of `axes` that runs `runs` of `root` set themselves, each at the run's key
    /// with the value it gives up (`runOverrides`).
    static func runOverrides(in root: YAMLValue, runs: [Int], axes: [Axis]) throws -> [ConfigError] {
        guard let items = try root.optional("runs")?.items() else { return [] }
        var notes: [ConfigError] = []
        for r in runs where r < items.count {
            let run = items[r]
            let label = try run.optional("label").map { "run '\(try $0.string().singleLine)'" } ?? Scenario.keyPath(ofRun: r)
            axes: for axis in axes {
                var parent = run
                let path = axis.key.split(separator: ".").map(String.init)
                for key in path.dropLast() {
                    guard let inner = try parent.optional(key), inner.isMapping else { continue axes }
                    parent = inner
                }
                guard parent.isMapping, let own = try parent.optional(path.last!) else { continue }
                let value = (try? own.string()).map { " (\($0.singleLine))" } ?? ""
                let shown = axis.values.prefix(4).joined(separator: ", ") + (axis.values.count > 4 ? ", ..." : "")
                if let note = try parent.error(atKey: path.last!, "\(label) sets its own \(axis.key)\(value); --vary \(axis.key) replaces it "
                                                + "with \(shown) in every point, and the run keeps its label") {
                    notes.append(note)
                }
            }
        }
        return notes
    }

    /// The scenario with `pairs` (key path, value) set in every run (or at the top
    /// level when it has no runs), so they win over what the runs say.
    static func override(_ root: YAMLValue, with pairs: [(String, String)]) throws -> YAMLValue {
        if let side = pairs.first(where: { $0.0 == imageSizeKey })?.1 {
            return try withImageSize(override(root, with: pairs.filter { $0.0 != imageSizeKey }), side: side)
        }
        if let model = pairs.first(where: { $0.0 == "model" })?.1 {
            let rest = try override(root, with: pairs.filter { $0.0 != "model" })
            // A mapping is a model as a scenario writes one ({file: my.yaml}, {name: resnet50, input: [...]}).
            return model.hasPrefix("{") ? withModel(rest, replacedBy: try valueNode(model, key: "model")) : withModel(rest, named: model)
        }
        var patch = Node.mapping(Node.Mapping([]))
        for (keyPath, value) in pairs {
            var node = try valueNode(value, key: keyPath)
            for key in keyPath.split(separator: ".").reversed() { node = .mapping(Node.Mapping([(Node(String(key)), node)])) }
            patch = Scenario.deepMerge(patch, node)
        }
        guard case .mapping(let top) = root.node else { return root }
        var pairsOut: [(Node, Node)] = []
        var hasRuns = false
        for (key, value) in top {
            if key.string == "runs", case .sequence(let runs) = value {
                hasRuns = true
                let patched = runs.map { Scenario.overlay($0, patch) }
                pairsOut.append((key, .sequence(Node.Sequence(patched, runs.tag, runs.style, runs.mark))))
            } else {
                pairsOut.append((key, value))
            }
        }
        var node = Node.mapping(Node.Mapping(pairsOut, top.tag, top.style, top.mark))
        if !hasRuns { node = Scenario.overlay(node, patch) }
        return YAMLValue(node: node, file: root.file, keyPath: "")
    }

    /// A varied value as YAML: a flow list or mapping (`[4,4]`, `{kind: data}`) is parsed,
    /// anything else is the scalar as written. Parsed nodes carry no line: the value was
    /// not written in the scenario, and errors name the `--vary` value instead.
    static func valueNode(_ value: String, key: String) throws -> Node {
        guard let first = value.first, first == "[" || first == "{" else { return Node(value) }
        let parsed: Node?
        do { parsed = try Yams.compose(yaml: value) } catch {
            throw SweepError("--vary \(key): '\(value)' is not a YAML \(first == "[" ? "list" : "mapping")")
        }
        guard let parsed else { throw SweepError("--vary \(key): '\(value)' is empty") }
        func unmarked(_ node: Node) -> Node {
            switch node {
            case .scalar(let scalar): return .scalar(Node.Scalar(scalar.string, scalar.tag, scalar.style))
            case .sequence(let sequence): return .sequence(Node.Sequence(sequence.map(unmarked), sequence.tag, sequence.style))
            case .mapping(let mapping):
                return .mapping(Node.Mapping(mapping.map { (unmarked($0.key), unmarked($0.value)) }, mapping.tag, mapping.style))
            case .alias: return node
            }
        }
        return unmarked(parsed)
    }

    /// The scenario with every `model:` (the top level's and each run's) the built-in
    /// model `name`: a built-in model on another input (`{name: NAME, input: [...]}`)
    /// keeps its input, as varying the model asks for that model on the scenario's
    /// images; any other model (a name, layers, a file) becomes `name` on its own input.
    static func withModel(_ root: YAMLValue, named name: String) -> YAMLValue {
        withModel(root) { model in
            if case .mapping(let fields) = model, fields.contains(where: { $0.key.string == "input" }),
               !fields.contains(where: { ["layers", "file"].contains($0.key.string) }) {
                return Scenario.deepMerge(model, .mapping(Node.Mapping([(Node("name"), Node(name))])))
            }
            return Node(name)
        }
    }

    /// The scenario with every `model:` (the top level's and each run's) `model`, a model as
    /// a scenario writes one (`{file: my.yaml}`, a path relative to the scenario's folder).
    static func withModel(_ root: YAMLValue, replacedBy model: Node) -> YAMLValue {
        withModel(root) { _ in model }
    }

    /// The scenario with every `model:` (the top level's and each run's) replaced by `replaced(model)`.
    static func withModel(_ root: YAMLValue, replacing replaced: (Node) -> Node) -> YAMLValue {
        func withModel(_ node: Node) -> Node {
            guard case .mapping(let fields) = node else { return node }
            let pairs: [(Node, Node)] = fields.map { key, value in
                if key.string == "model" { return (key, replaced(value)) }
                if key.string == "runs", case .sequence(let runs) = value {
                    return (key, .sequence(Node.Sequence(runs.map(withModel), runs.tag, runs.style, runs.mark)))
                }
                return (key, value)
            }
            return .mapping(Node.Mapping(pairs, fields.tag, fields.style, fields.mark))
        }
        return YAMLValue(node: withModel(root.node), file: root.file, keyPath: root.keyPath)
    }

    /// The scenario with every `model:` (the top level's and each run's) on square
    /// images of `side` pixels: a built-in model's name becomes `{name: NAME, input:
    /// [3, side, side]}`, and a `{name: NAME}` mapping gets that `input`, with the channels
    /// of the `input` it already has.
    /// - Throws: `SweepError` for a custom model (its layers fix their own input).
    static func withImageSize(_ root: YAMLValue, side: String) throws -> YAMLValue {
        // An S x S image with the model's channel count: its input's, else (a run's model mapping) the
        // top-level model's, which the run's mapping is merged over, else three.
        func input(channels: Node) -> Node { .sequence(Node.Sequence([channels, Node(side), Node(side)], .implicit, .flow)) }
        func channels(of model: Node?) -> Node? {
            guard case .mapping(let fields)? = model, let field = fields.first(where: { $0.key.string == "input" }),
                  case .sequence(let dims) = field.value, dims.count == 3 else { return nil }
            return dims[0]
        }
        func resized(_ model: Node, inheriting inherited: Node?) throws -> Node {
            switch model {
            case .scalar:
                return .mapping(Node.Mapping([(Node("name"), model), (Node("input"), input(channels: Node("3")))]))
            case .mapping(let fields) where fields.contains(where: { $0.key.string == "name" })
                && !fields.contains(where: { ["layers", "file"].contains($0.key.string) }):
                let count = channels(of: model) ?? inherited ?? Node("3")
                return Scenario.deepMerge(model, .mapping(Node.Mapping([(Node("input"), input(channels: count))])))
            default:
                throw SweepError("--vary image_size: a custom model (layers or a file) fixes its own input; vary built-in models only")
            }
        }
        func withModel(_ node: Node, inheriting inherited: Node?) throws -> Node {
            guard case .mapping(let fields) = node else { return node }
            let own = fields.first { $0.key.string == "model" }?.value
            let pairs: [(Node, Node)] = try fields.map { key, value in
                if key.string == "model" { return (key, try resized(value, inheriting: inherited)) }
                if key.string == "runs", case .sequence(let runs) = value {
                    let top = channels(of: own)
                    return (key, .sequence(Node.Sequence(try runs.map { try withModel($0, inheriting: top) }, runs.tag, runs.style, runs.mark)))
                }
                return (key, value)
            }
            return .mapping(Node.Mapping(pairs, fields.tag, fields.style, fields.mark))
        }
        return YAMLValue(node: try withModel(root.node, inheriting: nil), file: root.file, keyPath: root.keyPath)
    }

    /// The points of shard `shard` of `count` (1-based): every count-th point.
    public func points(shard: Int, of count: Int) -> [Point] {
        points.filter { $0.index % count == shard - 1 }
    }
}

/// A sweep that cannot be set up.
public struct SweepError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Sweep {
    /// Why some of `points` are not priced in the precision the scenario asked for (a bf16
    /// run on a GPU without bf16 units is fp16, a TF32 run on a GPU without TF32 units fp32:
    /// `RunSpec.precisionNote`), each note once, in point order, with the precision those
    /// points are priced in where it is not the one asked (`RunSpec.precisionAsked`); nil where
    /// only the arithmetic differs (fp16 tensors computed in fp32 are fp16 points).
    public func precisionNotes(_ points: [Point]) -> [(note: String, pricedAs: Precision?)] {
        var notes: [(note: String, pricedAs: Precision?)] = []
        for point in points {
            guard let note = point.run.precisionNote, !notes.contains(where: { $0.note == note }) else { continue }
            notes.append((note, point.run.precisionAsked == nil ? nil : point.run.precision))
        }
        return notes
    }

    /// A note for each run of `points` priced at `pricing.network_port_usd` while the sweep
    /// varies the network's speed (`network_gbps`, `cluster.network.link`): a price per link,
    /// all in, is the same at every speed, so the varied speeds cost alike (`OwnedCost`).
    public func flatNetworkPriceNotes(_ points: [Point]) -> [String] {
        guard axes.contains(where: { ["network_gbps", "cluster.network.link"].contains($0.key) }) else { return [] }
        var notes: [String] = []
        for point in points {
            guard let pricing = point.run.pricing, pricing.mode == .owned, let port = pricing.networkPortPrice else { continue }
            let note = "run '\(point.runLabel.singleLine)' prices every network link at pricing.network_port_usd ($\(NumberText.written(port)) "
                + "a link, all in) whatever its speed: the network speeds varied cost alike; state pricing.network (a list of "
                + "{kind, gbit_per_s, nic_usd, switch_ports, switch_usd, cable_usd}) instead to price each speed"
            if !notes.contains(note) { notes.append(note) }
        }
        return notes
    }

    /// A note for each run of `points` whose profile drives its NICs through a socket transport
    /// slower than network speeds the sweep varies (`RunSpec.bindingSocketCap`): across nodes every speed above the cap runs alike, which a
    /// buyer comparing links would otherwise take for the network not mattering. Once per run,
    /// naming the speeds above the cap among its points across nodes.
    public func socketCapNotes(_ points: [Point]) -> [String] {
        guard axes.contains(where: { ["network_gbps", "cluster.network.link"].contains($0.key) }) else { return [] }
        var above: [(label: String, profile: String, cap: Double, speeds: [Double])] = []
        for point in points {
            let run = point.run
            guard point.gpus > run.cluster.gpusPerNode, let cap = run.bindingSocketCap, let nic = run.cluster.network?.nic else { continue }
            if let at = above.firstIndex(where: { $0.label == point.runLabel }) {
                if !above[at].speeds.contains(nic.bytesPerSecond) { above[at].speeds.append(nic.bytesPerSecond) }
            } else {
                above.append((point.runLabel, run.software.name, cap, [nic.bytesPerSecond]))
            }
        }
        return above.map { entry in
            let speeds = entry.speeds.sorted().map { NumberText.written(($0 * 8 / 1e9 * 10).rounded() / 10) }.joined(separator: ", ")
            return "run '\(entry.label.singleLine)': profile '\(entry.profile)' drives each NIC through NCCL's socket transport at "
                + "\(NumberText.written(((entry.cap * 8 / 1e9) * 10).rounded() / 10)) Gb/s (net_socket_streams x net_stream_gb_per_s), so across "
                + "nodes its networks of \(speeds) Gb/s run alike; net_socket_streams: off prices NCCL over InfiniBand verbs or RoCE"
        }
    }

    /// A note for each run and GPU of `points` whose per-GPU price map names other GPUs but not
    /// the point's (`PricingSpec.mapsLeavingOut`), which then takes the catalog's figure: a map
    /// is read for every GPU a sweep varies, so a board priced under another's name (an H200's
    /// price on an H100 cluster) would change nothing without a word.
    public func catalogPriceNotes(_ points: [Point]) -> [String] {
        var notes: [String] = []
        for point in points {
            guard let pricing = point.run.pricing else { continue }
            let gpu = point.run.cluster.gpu
            for (key, names) in pricing.mapsLeavingOut(gpu) {
                let note = "run '\(point.runLabel.singleLine)' prices the \(gpu.name) at the catalog's figure: pricing.\(key) names "
                    + "\(names.joined(separator: ", ")) but not it"
                if !notes.contains(note) { notes.append(note) }
            }
        }
        return notes
    }

    /// A note for each run of `points` that trains on a built-in recipe of another model
    /// (`RunSpec.recipeOfAnotherModel`), once per run label, model and recipe, in point order:
    /// the rows' epochs and times to train come from that model's reference runs.
    public func recipeNotes(_ points: [Point]) -> [String] {
        var notes: [String] = []
        for point in points {
            let run = point.run
            guard let recipe = run.recipeOfAnotherModel else { continue }
            let note = "run '\(point.runLabel.singleLine)' trains \(run.modelLabel.singleLine) on recipe \(recipe.name), the epochs "
                + "\(recipe.model) needs (\(recipe.target)): no measurement of \(run.modelLabel.singleLine), so its rows' epochs and "
                + "time_to_train_seconds are \(recipe.model)'s"
            if !notes.contains(note) { notes.append(note) }
        }
        return notes
    }

    /// The combinations left out (`excluded`), one entry per run and reason, in grid order, each
    /// with its points and the reason ending in the first combination's `--vary` values and how
    /// many others share it (a cause that holds at every value of an unrelated axis, a batch or
    /// a GPU count, is one entry).
    public var exclusionsByReason: [(runLabel: String?, points: Int, reason: String)] {
        var grouped: [(runLabel: String?, points: Int, reason: String, varied: [String])] = []
        var position: [String: Int] = [:]
        for combination in excluded {
            var core = combination.reason
            core.message = String(core.message.dropLast(" (with --vary \(combination.varied))".count))
            let key = "\(combination.runIndex)\u{1}\(core)"
            if let k = position[key] {
                grouped[k].points += combination.points
                if !grouped[k].varied.contains(combination.varied) { grouped[k].varied.append(combination.varied) }
            } else {
                position[key] = grouped.count
                grouped.append((combination.runLabel, combination.points, "\(core)", [combination.varied]))
            }
        }
        return grouped.map { entry in
            let others = entry.varied.count - 1
            return (entry.runLabel, entry.points, entry.reason + " (with --vary \(entry.varied[0])"
                    + (others == 0 ? "" : " and \(others) other combination\(others == 1 ? "" : "s") of the varied values") + ")")
        }
    }
}
