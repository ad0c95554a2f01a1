/// A command whose arguments name files, so that a notebook can run it as if
/// from the notebook's own folder: each relative path is rewritten by
/// `resolve` before the command runs (absolute paths are left alone).
protocol PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String)
}

extension SimulateCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) { scenario = resolve(scenario) }
}

extension ExplainCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) { scenario = resolve(scenario) }
}

extension PlanCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        scenario = resolve(scenario)
        out = out.map(resolve)
    }
}

extension ChartCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        scenario = resolve(scenario)
        out = resolve(out)
    }
}

extension CalibrateCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        gemmCSV = gemmCSV.map(resolve)
        out = out.map(resolve)
        catalogFiles.paths = catalogFiles.paths.map(resolve)
    }
}

extension ValidateCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        against = against.map(resolve)
        published = published.map(resolve)
        profile = profile.map(resolve)
    }
}

extension ImportCommand.LayerTimesImport: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        csv = resolve(csv)
        out = out.map(resolve)
        catalogFiles.paths = catalogFiles.paths.map(resolve)
    }
}

extension ImportCommand.KernelTimesImport: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        csv = resolve(csv)
        out = out.map(resolve)
        catalogFiles.paths = catalogFiles.paths.map(resolve)
    }
}

extension ImportCommand.NCCLTests: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) {
        logs = logs.map(resolve)
        out = out.map(resolve)
    }
}

extension ModelsCommand: PathArguments {
    /// The files stay as written (the table shows them): they are read from the notebook's root.
    mutating func resolvePaths(_ resolve: (String) -> String) { filesRoot = resolve(".") }
}

extension HardwareCommand: PathArguments {
    mutating func resolvePaths(_ resolve: (String) -> String) { file = file.map(resolve) }
}
