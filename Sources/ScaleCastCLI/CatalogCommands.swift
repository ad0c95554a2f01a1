import ArgumentParser
import Hardware
import Reports

/// `scalecast models [--json]`.
struct ModelsCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the built-in models with their parameters and FLOPs per image.")

    @Flag(name: .long, help: "Print JSON: a list of objects with name, parameters, forward_flops_per_image.")
    var json = false

    func produce() throws -> CommandOutput {
        CommandOutput(stdout: json ? try CatalogReport.modelsJSON() : try CatalogReport.modelsTable())
    }
}

/// `scalecast hardware [--json]`.
struct HardwareCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "hardware", abstract: "List the GPUs and links of the built-in catalog, with sources.")

    @Flag(name: .long, help: "Print the catalog as JSON.")
    var json = false

    func produce() throws -> CommandOutput {
        let catalog = try Catalog.builtIn()
        return CommandOutput(stdout: json ? try CatalogReport.hardwareJSON(catalog) : CatalogReport.hardwareTable(catalog))
    }
}
