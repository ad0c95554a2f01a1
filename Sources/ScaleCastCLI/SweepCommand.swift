import ArgumentParser
import Foundation
import Planning
import YAMLSupport

/// `scalecast sweep SCENARIO --vary KEY=VALUES ... [--shard I/N] [--out FILE]`.
struct SweepCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Simulate a grid of what-ifs: every combination of the --vary values, for every run.",
        discussion: """
            KEY is a scenario key path (cluster.gpu, strategy.kind, batch_per_gpu, precision, model, \
            cluster.network.link, ...) or gpus, network_gbps, gpu_link_gbps, network_latency_us, or image_size \
            (the side, in pixels, of the square images every run's built-in model trains on). \
            Output: CSV (default, or --out FILE.csv, written as the points are simulated, a few thousand at a time, \
            so that memory does not grow with the rows) or JSON (--out FILE.json); rows in point order. \
            --shard I/N computes every N-th point from the I-th, for job arrays; without --shard, a Slurm array task \
            computes its own shard (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, and SLURM_ARRAY_TASK_MIN and \
            SLURM_ARRAY_TASK_STEP when set: --array=A-B or A-B:S). `scalecast merge` joins the shards.
            """)

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "KEY=VALUE,VALUE,... (repeatable; [4,4] or {kind: data} is one YAML value).")
    var vary: [String] = []

    @Option(name: .long, help: "Only the run with this label (an unlabelled run: runs[N]).")
    var run: String?

    @Option(name: .long, help: "Compute shard I of N, e.g. 3/16 (default: the Slurm array task's shard, else the whole sweep).")
    var shard: String?

    @Option(name: .long, help: "Write to this file instead of CSV on standard output: JSON when its name ends in .json (any case), CSV otherwise.")
    var out: String?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    @Flag(name: .long, help: "No progress bar (the line saying what was written, and the notes, still print).")
    var quiet = false

    @Option(name: .long, parsing: .unconditional, help: "Also draw N samples (10 to 2000) of each point from the simulator's measured errors (make validation-errors) and report 10th-90th percentiles of images/s, time and cost.")
    var samples: Int = 0

    @Option(name: .long, parsing: .unconditional, help: "Seed for --samples (default 1; the same seed gives the same ranges).")
    var seed: UInt64?

    func produce() throws -> CommandOutput {
        try OutputFile.checkNotAnInput(out, inputs: [scenario])
        let axes = try vary.map { text in try wrap { try Sweep.Axis.parse(text) } }
        let part = try SweepShard.select(option: shard, environment: ProcessInfo.processInfo.environment)
        let uncertainty = try Self.uncertainty(samples: samples, seed: seed)
        let sweep = try wrap { try Sweep(scenarioPath: scenario, axes: axes, run: run) }
        try OutputFile.checkNotAnInput(out, inputs: sweep.namedFiles)
        let selected = sweep.points(shard: part?.index ?? 1, of: part?.count ?? 1)
        let note = part?.origin.map { "sweep: shard \(part!.text) from \($0): \(selected.count) of \(sweep.points.count) points\n" } ?? ""
        let bar = ProgressBar(enabled: !quiet)
        var output: CommandOutput
        var unfit = 0   // points that do not fit in GPU memory
        var heldAbove = 0   // points whose time to train is a lower bound (epochs_held "above")
        var overEpoch = 0   // points whose step takes more images than an epoch
        if let out, !Self.namesJSON(out) {
            // CSV to a file: written a chunk of rows at a time, so that the rows are never all
            // in memory; the file is checked before anything runs, and again as it is put in place.
            let file = try StreamedOutputFile(path: out, force: force)
            try file.append(SweepDocument.csvHeader(vary: axes))
            var written = 0
            try wrap {
                try sweep.evaluate(selected, uncertainty: uncertainty, progress: bar.update, chunkPoints: Sweep.streamingChunkPoints) { rows in
                    try file.append(SweepDocument.csvLines(rows, vary: axes))
                    written += rows.count
                    unfit += rows.filter { !$0.fitsInMemory }.count
                    heldAbove += rows.filter { $0.epochsHeld == .above }.count
                    overEpoch += rows.filter(\.stepExceedsEpoch).count
                }
            }
            bar.finish()
            try file.commit()
            output = CommandOutput(stdout: "wrote \(out): \(written) point\(written == 1 ? "" : "s")\n")
        } else {
            if let out { try OutputFile.checkTarget(out, force: force) }   // before the work, not after it
            let rows = try wrap { try sweep.evaluate(selected, uncertainty: uncertainty, progress: bar.update) }
            bar.finish()
            unfit = rows.filter { !$0.fitsInMemory }.count
            heldAbove = rows.filter { $0.epochsHeld == .above }.count
            overEpoch = rows.filter(\.stepExceedsEpoch).count
            // The scenario as it was read (Sweep read it just now), so that merge tells an edited one from it.
            let digest = (try? Data(contentsOf: URL(fileURLWithPath: scenario))).map(SweepDocument.Header.digest(of:))
            let leftOut = sweep.exclusionsByReason.map { SweepDocument.Header.LeftOut(run: $0.runLabel, points: $0.points, reason: $0.reason) }
            let header = SweepDocument.Header(vary: axes, run: run, points: sweep.points.count, shard: part?.text,
                                              samples: uncertainty?.samples, seed: uncertainty?.seed,
                                              scenarioDigest: digest, leftOut: leftOut.isEmpty ? nil : leftOut)
            output = try Self.emit(SweepDocument(scenario: scenario, sweep: header, results: rows), to: out, force: force)
        }
        // The rows carry no precision column: say which points are priced in another precision than asked.
        let precision = sweep.precisionNotes(selected).map { note, pricedAs in
            "sweep: \(note)" + (pricedAs.map { "; those points are priced as \($0.rawValue)" } ?? "") + "\n"
        }.joined()
        // A grid explores: points that do not fit are rows like the others (fits_in_memory false), counted here, exit 0.
        let memory = unfit == 0 ? "" : "sweep: \(unfit) of \(selected.count) points do not fit in GPU memory (fits_in_memory false); "
            + "they are simulated all the same, as simulate does, and plan leaves them out\n"
        // Times to train that are lower bounds, and epochs from another model's recipe: in the rows, said here too.
        let held = heldAbove == 0 ? "" : "sweep: \(heldAbove) of \(selected.count) points train a global batch above the largest "
            + "their epochs are stated for (epochs_held \"above\"): the largest's epochs are held, so their time_to_train_seconds "
            + "is a lower bound\n"
        let epoch = overEpoch == 0 ? "" : "sweep: \(overEpoch) of \(selected.count) points take more images a step than an epoch "
            + "(global_batch above training.images): their time_to_train_seconds counts part of a step no run takes\n"
        let recipes = sweep.recipeNotes(selected).map { "sweep: \($0)\n" }.joined()
        let networkPrices = (sweep.flatNetworkPriceNotes(selected) + sweep.socketCapNotes(selected)).map { "sweep: \($0)\n" }.joined()
        // Combinations a run cannot take while another can: left out, each reason said once.
        let leftOut = sweep.exclusionsByReason
        let leftOutPoints = leftOut.reduce(0) { $0 + $1.points }
        let exclusions = leftOut.isEmpty ? "" : "sweep: \(leftOutPoints) of \(sweep.points.count + leftOutPoints) points are left out, "
            + "combinations of varied values their run cannot take (each value is swept with others; no rows):\n"
            + leftOut.map { entry in
                let run = entry.runLabel.map { " of run '\($0.singleLine)'" } ?? ""
                return "  \(entry.points) point\(entry.points == 1 ? "" : "s")\(run): \(entry.reason)\n"
            }.joined()
        let catalogPrices = sweep.catalogPriceNotes(selected).map { "sweep: \($0)\n" }.joined()
        let overrides = sweep.runOverrides.map { "note: \($0)\n" }.joined()
        output.stderr = note + overrides + exclusions + precision + memory + held + epoch + recipes + networkPrices + catalogPrices + output.stderr
        return output
    }

    static func emit(_ document: SweepDocument, to out: String?, force: Bool) throws -> CommandOutput {
        guard let out else { return CommandOutput(stdout: document.csv()) }
        let text = namesJSON(out) ? try document.json() : document.csv()
        try OutputFile.write(text, to: out, force: force)
        return CommandOutput(stdout: "wrote \(out): \(document.results.count) point\(document.results.count == 1 ? "" : "s")\n")
    }

    /// Whether an output file's name asks for JSON: it ends in `.json`, in any case (`S.JSON` too).
    static func namesJSON(_ path: String) -> Bool { path.lowercased().hasSuffix(".json") }

    /// The draws `--samples` and `--seed` ask for; nil for none. A 10th-90th percentile
    /// range needs at least 10 draws (fewer give a range that says nothing, often not even
    /// around the prediction), and a seed without draws would seed nothing.
    static func uncertainty(samples: Int, seed: UInt64?) throws -> Uncertainty? {
        guard samples == 0 || (10...RangeCalibration.samples).contains(samples) else {
            throw UsageError(message: "--samples must be 0 (no ranges) or 10 to \(RangeCalibration.samples): its 10th-90th percentiles need "
                             + "at least 10 draws; got \(samples)")
        }
        guard samples > 0 else {
            if seed != nil { throw UsageError(message: "--seed seeds the --samples draws: give --samples N too, or leave out --seed") }
            return nil
        }
        return try Uncertainty.builtIn(samples: samples, seed: seed ?? 1)
    }
}

/// `scalecast merge SHARD.json ... [--out FILE]`.
struct MergeCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Join the JSON shards of one sweep (in any order) into the whole sweep.")

    @Argument(help: "Shard files written by `scalecast sweep --shard I/N --out FILE.json`.")
    var shards: [String]

    @Option(name: .long, help: "Write to this file instead of JSON on standard output: JSON when its name ends in .json (any case), CSV otherwise.")
    var out: String?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    func produce() throws -> CommandOutput {
        try OutputFile.checkNotAnInput(out, inputs: shards)
        let documents = try shards.map { path -> SweepDocument in
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            guard !isFolder.boolValue else {
                throw UsageError(message: "\(path): is a folder; give the shards' files (sweep --out FILE.json), e.g. \(path)/*.json")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageError(message: "\(path): " + (exists ? "cannot read the file (its permissions?)" : "no such file"))
            }
            // The decoder keeps one of a repeated key's values without a word (and may fail on the one it
            // kept); no sweep writes one, so a repeat is named first wherever the text is JSON.
            func refuseRepeatedKey() throws {
                guard let repeated = JSONRepeatedKey.first(in: data) else { return }
                throw ConfigError(file: path, keyPath: repeated.keyPath, line: repeated.line,
                                  message: "duplicate key \"\(repeated.key.singleLine)\" (first written at line \(repeated.firstLine)); "
                                  + "a sweep writes each key once: keep the one you mean")
            }
            let document: SweepDocument
            do { document = try JSONDecoder().decode(SweepDocument.self, from: data) } catch {
                // The decoder reports text that is not JSON as data corrupted at the top; only then is it read
                // again (Foundation's JSONSerialization takes several times the text's size in memory).
                if case .dataCorrupted(let context)? = error as? DecodingError, context.codingPath.isEmpty,
                   let invalid = Self.invalidJSON(data) {
                    throw ConfigError(file: path, keyPath: "", line: invalid.line, message: "not valid JSON: \(invalid.reason)"
                                      + (path.lowercased().hasSuffix(".csv") ? " (merge takes the JSON shards of sweep --out FILE.json, not CSV)" : ""))
                }
                try refuseRepeatedKey()
                throw UsageError(message: "\(path): not a sweep JSON written by `scalecast sweep --out FILE.json`"
                                 + ((error as? DecodingError).map { " (\(Self.describe($0)))" } ?? ""))
            }
            try refuseRepeatedKey()
            return document
        }
        let merged = try wrap { try SweepDocument.merge(documents, files: shards) }
        guard let out else { return CommandOutput(stdout: try merged.json()) }
        return try SweepCommand.emit(merged, to: out, force: force)
    }
}

extension MergeCommand {
    /// Where a shard's JSON stops being a sweep's, as a key path (`results[3].images_per_second`)
    /// and what is wrong there, for JSON that parses (`invalidJSON` refuses the rest first).
    /// Foundation's decoder reports a number a field cannot hold (`"point": 0.5`) as invalid
    /// JSON with no path.
    static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let keys = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue.singleLine)" }.joined()
            return keys.hasPrefix(".") ? String(keys.dropFirst()) : keys
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = at(context.codingPath)
            return "key '\(key.stringValue.singleLine)' missing" + (parent.isEmpty ? "" : " in \(parent)")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(at(context.codingPath)): expected \(Self.kind(of: type))"
        case .dataCorrupted(let context):
            if !context.codingPath.isEmpty { return "\(at(context.codingPath)): a value out of range or of the wrong form" }
            // Text that is not JSON at all is refused before (`invalidJSON`, at its line).
            return "a number out of range or of the wrong form (too large, or a fraction where a whole number belongs)"
        @unknown default:
            return "unreadable"
        }
    }

    /// Where `data` stops being JSON, as Foundation's reader says it ("Invalid value around
    /// character 31.", or "... starting from character N": a byte offset into the text as
    /// UTF-8, without a byte order mark; or "Unexpected end of file during JSON parse"),
    /// turned into a line of the text (`JSONRepeatedKey.line(atOffset:in:)`); nil for valid JSON.
    /// The reader names no position for a number a Double cannot hold or a lone half of a
    /// UTF-16 surrogate pair: those are found in the text (`JSONUnplacedError`) and said plainly;
    /// a bad `\u` escape it places "at N", a byte offset as above.
    static func invalidJSON(_ data: Data) -> (line: Int?, reason: String)? {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return nil
        } catch {
            let text = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "unreadable"
            var reason = text.hasSuffix(".") ? String(text.dropLast()) : text
            var utf8 = JSONRepeatedKey.utf8(data)
            if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { utf8.removeFirst(3) }
            var line: Int?
            if let range = reason.range(of: " around character ") ?? reason.range(of: " starting from character ")
                ?? reason.range(of: " at ", options: .backwards),   // "Invalid hex encoded sequence in \"ZZZZ\" at 652"
               let offset = Int(reason[range.upperBound...].prefix { $0.isNumber }) {
                reason = String(reason[..<range.lowerBound])
                line = JSONRepeatedKey.line(atOffset: offset, in: utf8)
            } else if reason.hasPrefix("Unexpected end of file during JSON parse") {
                // Cut short: the text's last line.
                line = JSONRepeatedKey.line(atOffset: utf8.count - (utf8.last == UInt8(ascii: "\n") ? 1 : 0), in: utf8)
            } else if let start = reason.range(of: "Number "), let end = reason.range(of: " is not representable"),
                      start.upperBound <= end.lowerBound {
                let literal = String(reason[start.upperBound..<end.lowerBound])
                let shown = literal.count > 24 ? "\(literal.prefix(20))... (\(literal.count) characters)" : literal
                reason = "the number \(shown) is out of a 64-bit float's range"
                line = JSONUnplacedError.offset(ofNumber: literal, in: utf8).map { JSONRepeatedKey.line(atOffset: $0, in: utf8) }
            } else if reason.contains("surrogate") || reason.contains("hex escape sequence") {
                reason = "a \\u escape that is half of a UTF-16 surrogate pair without its other half"
                line = JSONUnplacedError.offsetOfUnpairedSurrogate(in: utf8).map { JSONRepeatedKey.line(atOffset: $0, in: utf8) }
            }
            return (line, (reason.first.map { $0.lowercased() + reason.dropFirst() } ?? reason).singleLine)
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is UInt64.Type, is Int64.Type: return "a whole number"
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            return name.hasPrefix("Array") ? "a list" : name.hasPrefix("Dictionary") ? "an object" : "a \(name)"
        }
    }
}

/// Turns planning errors into usage errors (exit code 2).
func wrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as SweepError { throw UsageError(message: error.message) }
}
