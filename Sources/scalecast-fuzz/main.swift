import ArgumentParser
import Foundation
import FuzzSupport

/// `scalecast-fuzz BINARY`: feeds seeded hostile and extreme inputs to every
/// `scalecast` command that reads a file, and checks issue 17's contract on each
/// run (exit 0, 1 or 2; one located line on 2; no trap, hang, memory blow-up or
/// command injection). Exit 1 if any run broke it; the failing inputs are saved.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalecast-fuzz",
        abstract: "Check scalecast's bad-input contract on seeded mutations of its inputs.")

    @Argument(help: "The scalecast binary under test.")
    var binary: String

    @Option(help: "Seed of the inputs: the same seed gives the same inputs.")
    var seed: UInt64 = 17

    @Option(help: "Number of inputs.")
    var count = 5_000

    @Option(help: "Index of the first input (to rerun one finding: --first I --count 1).")
    var first = 0

    @Option(name: .customLong("time-limit"), help: "Seconds one run may take before it counts as a hang.")
    var timeLimit = 20.0

    @Option(name: .customLong("memory-gb"), help: "Address-space limit of a run, GiB.")
    var memoryGB = 4.0

    @Option(name: .customLong("work-dir"), help: "Where the cases run and findings/ is written (emptied first).")
    var workDir = ".build/fuzz"

    @Option(help: "The checkout whose scenarios/ the inputs start from.")
    var root = "."

    @Option(help: "Runs at once.")
    var jobs = 2

    @Option(name: .customLong("family"), help: "Only these families (repeatable): \(FuzzFamily.allCases.map(\.rawValue).joined(separator: ", ")).")
    var families: [String] = []

    mutating func run() throws {
        let files = FileManager.default
        let binaryPath = URL(fileURLWithPath: binary).standardizedFileURL.path
        guard files.isExecutableFile(atPath: binaryPath) else { throw ValidationError("\(binary): not an executable") }
        let chosen = try families.map { name -> FuzzFamily in
            guard let family = FuzzFamily(rawValue: name) else { throw ValidationError("--family: unknown '\(name)'") }
            return family
        }
        let work = URL(fileURLWithPath: workDir).standardizedFileURL.path
        try? files.removeItem(atPath: work)
        try files.createDirectory(atPath: work + "/findings", withIntermediateDirectories: true)
        let runner = ChildRunner(binary: binaryPath, seconds: timeLimit, memoryBytes: UInt64(memoryGB * 1_073_741_824))

        let shards = try Self.makeShards(runner: runner, directory: work + "/setup", root: root)
        let corpus = try FuzzCorpus.load(root: root, shards: shards)
        let generator = CaseGenerator(corpus: corpus, seed: seed, families: chosen.isEmpty ? nil : chosen)
        let executor = CaseExecutor(runner: runner)
        let writer = FindingWriter(root: work + "/findings")
        print("scalecast-fuzz: \(count) inputs from seed \(seed), \(jobs) at a time, \(Int(timeLimit)) s and \(memoryGB) GiB each, in \(work)")

        let state = SharedState(next: first, end: first + count, log: work + "/cases.tsv")
        let start = Date()
        let threads = (0..<max(jobs, 1)).map { worker in
            Thread { [seed] in
                while let index = state.take() {
                    let fuzzCase = generator.make(index)
                    let outcome = executor.execute(fuzzCase, directory: work + "/w\(worker)/case", scratch: work + "/w\(worker)/out")
                    if outcome.verdict.isFailure { writer.save(fuzzCase, outcome, seed: seed, binary: binaryPath) }
                    state.record(fuzzCase, outcome, start: start)
                }
                state.finished()
            }
        }
        threads.forEach { $0.stackSize = 8 << 20; $0.start() }
        state.waitForAll(threads.count)

        let summary = state.summary
        let elapsed = Date().timeIntervalSince(start)
        let text = """

            \(summary.total) inputs in \(Int(elapsed)) s (seed \(seed), first \(first)); \(summary.failures) broke the contract

            \(summary.table())
            distinct failures (count, verdict, family, command: signature):
            \(summary.signatureList())
            findings: \(work)/findings

            """
        print(text)
        try text.write(toFile: work + "/summary.txt", atomically: true, encoding: .utf8)
        if summary.failures > 0 { throw ExitCode(1) }
    }

    /// Writes the shards of a small sweep with the binary under test, for the merge family.
    static func makeShards(runner: ChildRunner, directory: String, root: String) throws -> [String] {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = files.createFile(atPath: directory + "/sweep.yaml", contents: Data(FuzzCorpus.smallScenario.utf8))
        var shards: [String] = []
        for i in 1...3 {
            let result = runner.run(["sweep", "sweep.yaml", "--quiet", "--shard", "\(i)/3", "--out", "s\(i).json"] + FuzzCorpus.shardArguments,
                                    in: directory, outputDirectory: directory)
            guard result.ending == .exited(0), let text = try? String(contentsOfFile: directory + "/s\(i).json", encoding: .utf8) else {
                FileHandle.standardError.write(Data("error: cannot write the merge family's shards: \(result.ending) \(result.stderr)\n".utf8))
                throw ExitCode(2)
            }
            shards.append(text)
        }
        return shards
    }
}

/// The workers' shared counter, summary and progress line, behind a lock.
final class SharedState: @unchecked Sendable {
    private let lock = NSCondition()
    private var next: Int
    private let end: Int
    private let total: Int
    private var done = 0
    private var stopped = 0
    private var lastPrint = Date.distantPast
    private(set) var summary = FuzzSummary()
    /// `cases.tsv`: a line per case (index, family, command, verdict, ending, seconds, the start of stderr), to see where the time goes.
    private let log: FileHandle?

    init(next: Int, end: Int, log: String) {
        _ = FileManager.default.createFile(atPath: log, contents: Data("index\tfamily\tcommand\tverdict\tending\tseconds\tstderr\n".utf8))
        self.log = FileHandle(forWritingAtPath: log)
        _ = try? self.log?.seekToEnd()
        self.next = next
        self.end = end
        total = end - next
    }

    /// The next case index, or nil when all are handed out.
    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < end else { return nil }
        next += 1
        return next - 1
    }

    func record(_ fuzzCase: FuzzCase, _ outcome: CaseExecutor.Outcome, start: Date) {
        lock.lock()
        defer { lock.unlock() }
        summary.add(fuzzCase, outcome)
        done += 1
        let line = "\(fuzzCase.index)\t\(fuzzCase.family.rawValue)\t\(fuzzCase.command)\t\(outcome.verdict.rawValue)\t\(outcome.result.ending)\t"
            + String(format: "%.3f", outcome.result.seconds) + "\t"
            + String(outcome.result.stderr.prefix(200)).replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: "⏎") + "\n"
        log?.write(Data(line.utf8))
        if outcome.verdict.isFailure {
            print("  case \(fuzzCase.index) \(fuzzCase.family.rawValue) \(fuzzCase.command): \(outcome.verdict.rawValue)")
        }
        let now = Date()
        if now.timeIntervalSince(lastPrint) >= 10 || done == total {
            lastPrint = now
            print("[\(Int(now.timeIntervalSince(start)))s] \(done) of \(total) done, \(summary.failures) failures")
        }
        fflush(nil)
    }

    func finished() {
        lock.lock()
        stopped += 1
        lock.signal()
        lock.unlock()
    }

    func waitForAll(_ workers: Int) {
        lock.lock()
        while stopped < workers { lock.wait() }
        lock.unlock()
    }
}

FuzzCommand.main()
