import Foundation

/// Makes case `index` of a seeded run: picks a family, mutates a corpus input of
/// it and chooses the command that reads it. Case `index` depends only on the seed,
/// the index and the corpus, never on other cases, so a finding is reproduced by
/// its seed and index alone.
public struct CaseGenerator: Sendable {
    public var corpus: FuzzCorpus
    public var seed: UInt64
    /// Families to draw from (all by default), each with its weight.
    public var families: [(FuzzFamily, Int)]

    public static let defaultWeights: [(FuzzFamily, Int)] = [
        (.scenario, 30), (.flags, 15), (.profile, 8), (.ncclLog, 12), (.layerTimes, 10), (.gemmCSV, 7), (.merge, 10),
        (.fileName, 8), (.labels, 0),
    ]

    public init(corpus: FuzzCorpus, seed: UInt64, families: [FuzzFamily]? = nil) {
        self.corpus = corpus
        self.seed = seed
        self.families = families.map { chosen in Self.defaultWeights.filter { chosen.contains($0.0) } } ?? Self.defaultWeights
    }

    public func make(_ index: Int) -> FuzzCase {
        var random = FuzzRandom(seed: seed, index: index)
        var roll = random.below(families.map(\.1).reduce(0, +))
        var family = families[0].0
        for (f, weight) in families {
            if roll < weight { family = f; break }
            roll -= weight
        }
        switch family {
        case .scenario: return scenario(index, &random)
        case .profile: return profile(index, &random)
        case .flags: return flags(index, &random)
        case .ncclLog: return ncclLog(index, &random)
        case .layerTimes: return layerTimes(index, &random)
        case .gemmCSV: return gemm(index, &random)
        case .merge: return merge(index, &random)
        case .fileName: return fileName(index, &random)
        case .labels: return labels(index, &random)
        }
    }

    private static func file(_ name: String, _ text: String) -> FuzzCase.File { .init(name: name, data: Data(text.utf8)) }

    /// A tree mutation of a scenario, or a text-level one where the tree cannot be read.
    private func mutatedYAML(_ text: String, _ random: inout FuzzRandom) -> (String, [String]) {
        guard let tree = FuzzNode.parse(text) else { return (text, ["unparsed"]) }
        let count = random.pick([1, 1, 1, 1, 2, 2, 3])
        let (mutated, notes) = TreeMutator().mutate(tree, count: count, random: &random)
        return (mutated.yaml(), notes)
    }

    /// A subcommand that reads a scenario, with modest arguments so that a slow run
    /// means a slow input rather than a big request.
    private func scenarioCommand(_ path: String, _ random: inout FuzzRandom) -> [String] {
        switch random.below(8) {
        case 0, 1: return ["simulate", path, "--json"]
        case 2: return ["explain", path, "--gpus", random.pick(["1", "2", "8"])]
        case 3: return ["trace", path, "--gpus", random.pick(["1", "2"]), "--out", "trace.json"]
        case 4: return ["sweep", path, "--quiet", "--vary", random.pick(["batch_per_gpu=32,64", "gpus=1,2", "precision=fp32,bf16"])]
        case 5: return ["plan", path, "--deadline-hours", "10000", "--vary", "gpus=1,2", "--quiet"]
        case 6: return ["chart", random.pick(["scaling", "breakdown", "bandwidth", "gantt"]), path, "--out", "chart", "--format", "svg"]
        default: return ["report", path, "--out", "report", "--format", "svg"]
        }
    }

    private func scenario(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let (name, text) = random.pick(corpus.scenarios)
        var (yaml, notes) = mutatedYAML(text, &random)
        if random.chance(0.05) {
            yaml = random.pick(["", "# only a comment\n", "[1, 2, 3]\n", "just a string\n", "---\n---\n", "model: resnet50\n...\nfoo\n", "\t\n"])
            notes = ["whole file replaced by \(yaml.debugDescription)"]
        }
        let path = "scenario.yaml"
        return FuzzCase(index: index, family: .scenario, arguments: scenarioCommand(path, &random),
                        files: [Self.file(path, yaml)], inputNames: [path], notes: ["from scenarios/\(name)"] + notes)
    }

    private func profile(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        var (yaml, notes) = mutatedYAML(corpus.profile, &random)
        if random.chance(0.1) {
            yaml = random.pick(["", "gpu: H200\n", "gpu: H200\nmax_efficiency: 0.5\n", "gpu: [1]\n"])
            notes = ["whole profile replaced by \(yaml.debugDescription)"]
        }
        let scenario = """
            name: profile fuzz
            model: resnet50
            batch_per_gpu: 64
            precision: \(random.pick(["fp32", "tf32", "bf16"]))
            cluster: {gpu: H200, gpus_per_node: 8, fabric: nvswitch}
            cost_model: {profile: profile.yaml}
            gpus: [1, 2]

            """
        return FuzzCase(index: index, family: .profile, arguments: ["simulate", "scenario.yaml", "--json"],
                        files: [Self.file("scenario.yaml", scenario), Self.file("profile.yaml", yaml)],
                        inputNames: ["scenario.yaml", "profile.yaml"], notes: notes)
    }

    /// An extreme or malformed list of GPU counts, bandwidths, or key values.
    private func list(_ random: inout FuzzRandom) -> String {
        switch random.below(6) {
        case 0: return random.pick(HostileValues.numbers)
        case 1: return random.pick(HostileValues.strings)
        case 2: return (0..<random.int(2...4)).map { _ in random.pick(HostileValues.numbers) }.joined(separator: ",")
        case 3: return random.pick(["", ",", "1,,2", "1,", ",1", "1..8", "1-8", "1;2", " 1 , 2 ", "1,1,1,1"])
        case 4: return (1...random.pick([100, 5_000])).map(String.init).joined(separator: ",")
        default: return random.pick(["1", "2", "4", "8", "16", "1024", "65536", "1000000"])
        }
    }

    private func flags(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let path = "scenario.yaml"
        let keys = ["gpus", "batch_per_gpu", "precision", "model", "cluster.gpu", "strategy.kind", "strategy.allreduce",
                    "strategy.bucket_mb", "network_gbps", "gpu_link_gbps", "network_latency_us", "cluster.gpus_per_node",
                    "simulation.steps", "nokey", "", "a..b", "cluster", "runs[0].model", "training.epochs", "training.recipe", "pricing.mode"]
        func vary() -> [String] {
            let form = random.below(5)
            let key = random.pick(keys)
            switch form {
            case 0: return ["--vary", key]
            case 1: return ["--vary", "=" + list(&random)]
            case 2: return ["--vary", key + "=" + list(&random) + "=" + list(&random)]
            default: return ["--vary", key + "=" + list(&random)]
            }
        }
        var arguments: [String]
        switch random.below(8) {
        case 0: arguments = ["simulate", path, "--json", "--gpus", list(&random)]
        case 1: arguments = ["explain", path, "--gpus", random.pick(HostileValues.numbers)]
        case 2: arguments = ["trace", path, "--gpus", random.pick(HostileValues.numbers), "--out", random.pick(["t.json", "", ".", "dir/t.json"])]
        case 3: arguments = ["sweep", path, "--quiet"] + vary() + (random.chance(0.5) ? vary() : [])
            + (random.chance(0.4) ? ["--shard", random.pick(["1/1", "0/0", "1/0", "2/1", "-1/2", "1/9223372036854775807", "9223372036854775807/9223372036854775807", "x/y", "1", "/", "1/2/3"])] : [])
            + (random.chance(0.2) ? ["--samples", random.pick(HostileValues.numbers)] : [])
        case 4, 5:
            arguments = ["plan", path, "--quiet"]
            if random.chance(0.8) { arguments += ["--deadline-hours", random.pick(HostileValues.numbers)] }
            if random.chance(0.5) { arguments += [random.pick(["--budget", "--cloud-budget", "--capex-budget"]), random.pick(HostileValues.numbers)] }
            if random.chance(0.3) { arguments += ["--top", random.pick(HostileValues.numbers)] }
            if random.chance(0.2) { arguments += ["--samples", random.pick(["0", "1", "-1", "3", "1000000000"])] }
            if random.chance(0.7) { arguments += vary() }
        case 6: arguments = ["chart", "bandwidth", path, "--bandwidths", list(&random), "--out", "chart", "--format", "svg"]
            + (random.chance(0.3) ? ["--link", random.pick(HostileValues.strings)] : [])
        default: arguments = ["simulate", path, "--gpus", list(&random), "--run", random.pick(HostileValues.strings)]
        }
        return FuzzCase(index: index, family: .flags, arguments: arguments, files: [Self.file(path, FuzzCorpus.smallScenario)],
                        inputNames: [path], notes: ["flags of the small scenario"])
    }

    private func ncclLog(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let collective = random.pick(NCCLLogWriter.collectives)
        let ranks = random.pick([2, 4, 8, 16])
        let text = NCCLLogWriter().log(collective: collective, ranks: ranks, maxBytes: random.pick([65_536, 1_073_741_824]),
                                       oldHeader: random.chance(0.3), random: &random)
        let (data, notes) = TextMutator(separator: .whitespace).mutate(text, count: random.int(0...3), random: &random)
        let name = random.chance(0.8) ? "\(collective)_perf.log" : random.pick(["measured.log", "x", "all_reduce_perf.log.txt", "a b.log"])
        var arguments = ["import", "nccl-tests", name]
        if random.chance(0.3) { arguments += ["--collective", random.chance(0.7) ? random.pick(NCCLLogWriter.collectives) : random.pick(HostileValues.strings)] }
        var followUp: FuzzCase.FollowUp?
        if random.chance(0.6) {
            arguments += ["--out", "network.yaml"]
            let scenario = """
                name: nccl follow-up
                model: alexnet-owt
                batch_per_gpu: 64
                precision: fp32
                cluster: {gpu: H100, gpus_per_node: 4, fabric: nvswitch, nvlink: "@LINK@"}
                catalog: {files: [network.yaml]}
                gpus: [1, 4]

                """
            followUp = .init(files: [Self.file("follow.yaml", scenario)], arguments: ["simulate", "follow.yaml"], written: "network.yaml")
        }
        return FuzzCase(index: index, family: .ncclLog, arguments: arguments, files: [.init(name: name, data: data)],
                        inputNames: [name], notes: ["\(collective) on \(ranks) GPUs"] + notes, followUp: followUp)
    }

    /// The comment and header lines of a CSV and a seeded run of its rows.
    private func sample(_ csv: String, rows: Int, _ random: inout FuzzRandom) -> String {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let headerEnd = (lines.firstIndex { !$0.hasPrefix("#") } ?? 0) + 1
        let body = lines[headerEnd...].filter { !$0.isEmpty }
        let start = random.below(max(body.count - rows, 1))
        return (lines[..<headerEnd] + body.dropFirst(start).prefix(rows)).joined(separator: "\n") + "\n"
    }

    private func layerTimes(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let text = sample(random.pick(corpus.layerTimesCSVs), rows: random.pick([8, 30, 80]), &random)
        let (data, notes) = TextMutator(separator: .comma).mutate(text, count: random.int(0...3), random: &random)
        var arguments = ["import", "layer-times", "times.csv", "--gpu", random.chance(0.9) ? "H200" : random.pick(HostileValues.strings)]
        if random.chance(0.4) { arguments.append("--holdout") }
        var followUp: FuzzCase.FollowUp?
        if random.chance(0.6) {
            arguments += ["--out", "profile.yaml"]
            let scenario = """
                name: layer-times follow-up
                model: resnet50
                batch_per_gpu: 64
                precision: fp32
                cluster: {gpu: H200, gpus_per_node: 8, fabric: nvswitch}
                cost_model: {profile: profile.yaml}
                gpus: [1]

                """
            followUp = .init(files: [Self.file("follow.yaml", scenario)], arguments: ["simulate", "follow.yaml"], written: "profile.yaml")
        }
        return FuzzCase(index: index, family: .layerTimes, arguments: arguments, files: [.init(name: "times.csv", data: data)],
                        inputNames: ["times.csv"], notes: notes, followUp: followUp)
    }

    private func gemm(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let text = sample(corpus.gemmCSV, rows: random.pick([6, 20, 45]), &random)
        let (data, notes) = TextMutator(separator: .comma).mutate(text, count: random.int(0...3), random: &random)
        var arguments = ["calibrate", "--gemm-csv", "gemm.csv", "--gpu", random.chance(0.9) ? "H200" : random.pick(HostileValues.strings)]
        var followUp: FuzzCase.FollowUp?
        if random.chance(0.3) {
            // The profile written must load in a scenario, as import layer-times' must.
            arguments += ["--out", "gpu-profile.yaml"]
            let scenario = """
                name: gemm follow-up
                model: resnet50
                batch_per_gpu: 64
                precision: bf16
                cluster: {gpu: H200, gpus_per_node: 8, fabric: nvswitch}
                cost_model: {profile: gpu-profile.yaml}
                gpus: [1]

                """
            followUp = .init(files: [Self.file("follow.yaml", scenario)], arguments: ["simulate", "follow.yaml"], written: "gpu-profile.yaml")
        }
        return FuzzCase(index: index, family: .gemmCSV, arguments: arguments, files: [.init(name: "gemm.csv", data: data)],
                        inputNames: ["gemm.csv"], notes: notes, followUp: followUp)
    }

    private func merge(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        var shards = corpus.shards
        var notes: [String] = []
        guard !shards.isEmpty else { return flags(index, &random) }
        let target = random.below(shards.count)
        switch random.below(5) {
        case 0:
            let i = random.below(shards.count)
            shards.append(shards[i])
            notes.append("shard \(i + 1) given twice")
        case 1:
            let bytes = Array(shards[target].utf8)
            shards[target] = String(decoding: bytes.prefix(random.below(bytes.count)), as: UTF8.self)
            notes.append("shard \(target + 1) truncated")
        default:
            if let tree = FuzzNode.parse(shards[target]) {
                let (mutated, treeNotes) = TreeMutator().mutate(tree, count: random.int(1...2), random: &random)
                shards[target] = random.chance(0.8) ? mutated.json() : mutated.yaml()
                notes += treeNotes.map { "shard \(target + 1): \($0)" }
            }
        }
        if random.chance(0.3) {
            for i in stride(from: shards.count - 1, to: 0, by: -1) { shards.swapAt(i, random.below(i + 1)) }
            notes.append("shards in another order")
        }
        let names = shards.indices.map { "s\($0 + 1).json" }
        var arguments = ["merge"] + names
        if random.chance(0.3) { arguments += ["--out", random.pick(["merged.csv", "merged.json", "merged.txt"])] }
        return FuzzCase(index: index, family: .merge, arguments: arguments,
                        files: zip(names, shards).map { Self.file($0, $1) }, inputNames: names, notes: notes)
    }

    private func labels(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let hostile = HostileValues.strings.filter { $0.contains("PWNED") } + ["a\" . system(\"touch PWNED\") . \"", "'.system('touch PWNED').'"]
        let name = random.pick(hostile), label = random.pick(hostile)
        let scenario = FuzzCorpus.smallScenario.replacingOccurrences(of: "name: fuzz base", with: "name: \(FuzzNode.quote(name))")
            + "runs:\n  - {label: \(FuzzNode.quote(label))}\n  - {label: second, batch_per_gpu: 32}\n"
        let path = "scenario.yaml"
        let arguments = random.chance(0.7)
            ? ["chart", random.pick(["throughput", "time-to-train", "scaling", "breakdown", "bandwidth", "gantt"]), path, "--out", "chart", "--format", random.pick(["svg", "png"])]
            : ["report", path, "--out", "report", "--format", "svg"]
        return FuzzCase(index: index, family: .labels, arguments: arguments, files: [Self.file(path, scenario)], inputNames: [path],
                        notes: ["name \(name.debugDescription), label \(label.debugDescription)"])
    }

    private func fileName(_ index: Int, _ random: inout FuzzRandom) -> FuzzCase {
        let names = ["a b.yaml", "new\nline.yaml", "quote\"s.yaml", "it's.yaml", "$(touch PWNED).yaml", "`touch PWNED`.yaml",
                     "-x.yaml", "--gpus.yaml", "é漢字.yaml", String(repeating: "n", count: 250) + ".yaml", ".yaml", "noext",
                     "semi;colon.yaml", "back\\slash.yaml", "%s%n.yaml", "star*.yaml", "tab\t.yaml", "dir/scenario.yaml"]
        let special = ["missing.yaml", ".", "/", "/dev/null", "/dev/zero", "", String(repeating: "d/", count: 300) + "x.yaml"]
        let useSpecial = random.chance(0.25)
        let name = useSpecial ? random.pick(special) : random.pick(names)
        var arguments = scenarioCommand(name, &random)
        if random.chance(0.3), let out = arguments.firstIndex(of: "--out") { arguments[out + 1] = random.pick(names + [".", "", "missing/dir/out"]) }
        let files = useSpecial ? [] : [Self.file(name, FuzzCorpus.smallScenario)]
        return FuzzCase(index: index, family: .fileName, arguments: arguments, files: files, inputNames: [name],
                        notes: ["scenario named \(name.debugDescription.prefix(120))"])
    }
}
