import Foundation
import CostModel
import Hardware
import Software
import Workload
import YAMLSupport

extension RunSpec {
    /// Keys the run is given that change nothing in it, each located at the key with why:
    /// under `pricing.mode: cloud` the owned cluster's keys (`PricingSpec.ownedKeys`) and under
    /// `owned` the cloud price, and `cluster.pcie` under a fabric that is no PCIe tree. They are
    /// accepted, not refused, because a sweep varies `pricing.mode` and `cluster.fabric` and the
    /// other value reads them; `simulate` notes them so that no one takes them for settings.
    /// Also `cost_model.convolution_lowering: im2col` under a kernel library, whose algorithms
    /// price convolutions in its place (`CostModel.seconds(for:)`). And NICs that no GPU sends
    /// through (more per node than GPUs, or left out by `gpu_nic`). And a per-GPU price map that
    /// names other GPUs but not the run's (`PricingSpec.mapsLeavingOut`).
    static func unusedKeys(in yaml: YAMLValue, cluster: ClusterSpec, pricing: PricingSpec?, costParameters: CostParameters,
                           software: ExecutionProfile) throws -> [ConfigError] {
        var unused: [ConfigError] = []
        if let pricingNode = try yaml.optional("pricing"), let pricing {
            let otherModeKeys = pricing.mode == .cloud ? PricingSpec.ownedKeys : ["cloud_per_gpu_hour"]
            let why = pricing.mode == .cloud ? "it prices owned clusters" : "it prices cloud rental"
            for key in otherModeKeys {
                if let note = try pricingNode.error(atKey: key, "not used while pricing.mode is \(pricing.mode.rawValue) (\(why))") {
                    unused.append(note)
                }
            }
            for (key, names) in pricing.mapsLeavingOut(cluster.gpu) {
                if let note = try pricingNode.error(atKey: key, "prices \(names.joined(separator: ", ")), not the run's \(cluster.gpu.name), "
                                                    + "which takes the catalog's figure") {
                    unused.append(note)
                }
            }
        }
        if !cluster.fabric.isPCIeTree,
           let note = try yaml.optional("cluster")?.error(atKey: "pcie", "not used while the fabric is \(cluster.fabric.name) (it describes a pcie-tree fabric)") {
            unused.append(note)
        }
        if let network = cluster.network {
            let inUse = Set((0..<cluster.gpusPerNode).map { network.nic(ofLocalGPU: $0, gpusPerNode: cluster.gpusPerNode) }).count
            if inUse < network.nicsPerNode,
               let note = try yaml.optional("cluster")?.optional("network")?.error(atKey: "nics_per_node",
                   "\(network.nicsPerNode) NICs per node, but each GPU sends through one (gpu_nic, else an even share), so the "
                   + "\(cluster.gpusPerNode) GPUs of a node use \(inUse) of them: the others are priced and carry nothing") {
                unused.append(note)
            }
        }
        if costParameters.convolutionLowering == .im2col, let library = software.kernelLibrary,
           let note = try yaml.optional("cost_model")?.error(atKey: "convolution_lowering", "not used while the run's convolutions run "
               + "\(library.name)'s algorithms (software '\(software.name)'); it prices an im2col lowering where software.kernel_library is none") {
            unused.append(note)
        }
        return unused
    }

    /// Notes where a stated price lies so far off the catalog's own figures for the run's GPU
    /// that a unit slip is likelier than a market: a purchase price in thousands (`30` for
    /// $30,000, a thousandth) below a hundredth of the catalog's lowest, a cloud price in
    /// cents (`250` for $2.50, a hundredfold) above twenty times its dearest offer per
    /// GPU-hour. Noted, not refused: a price is the buyer's to state, and the catalog's
    /// figures are dated.
    static func priceUnitNotes(in yaml: YAMLValue, pricing: PricingSpec?, gpu: GPUSpec, catalog: Catalog) throws -> [ConfigError] {
        guard let pricing, let node = try yaml.optional("pricing") else { return [] }
        func dollars(_ x: Double) -> String { "$" + String(format: x < 100 ? "%.2f" : "%.0f", locale: nil, x) }
        var notes: [ConfigError] = []
        if pricing.mode == .owned, let stated = pricing.purchasePerGPU?.value(for: gpu), let catalogPrice = catalog.purchasePrice(for: gpu),
           stated < catalogPrice.low / 100,
           let note = try node.error(atKey: "purchase_per_gpu", "\(dollars(stated)) per \(gpu.name) is under a hundredth of the catalog's "
                                     + "lowest price for it (\(dollars(catalogPrice.low)), seen \(catalogPrice.seen)): a price in thousands? "
                                     + "state whole dollars (\(String(format: "%.0f", locale: nil, stated * 1000)))") {
            notes.append(note)
        }
        let offers = catalog.cloudPrices.filter { $0.gpu == gpu.name }
        if pricing.mode == .cloud, let stated = pricing.cloudPerGPUHour?.value(for: gpu), let dearest = offers.map(\.perGPUHour).max(),
           stated > dearest * 20,
           let note = try node.error(atKey: "cloud_per_gpu_hour", "\(dollars(stated)) per \(gpu.name)-hour is over twenty times the "
                                     + "catalog's dearest offer for it ($\(String(format: "%.2f", locale: nil, dearest)) per GPU-hour): "
                                     + "a price in cents? state dollars (\(String(format: "%.2f", locale: nil, stated / 100)))") {
            notes.append(note)
        }
        return notes
    }

    /// A note where `cluster.network.nodes_per_leaf` holds every node of the largest GPU count the
    /// run lists: one leaf switch joins them all, so nothing crosses the spine and its
    /// `oversubscription` changes nothing (a planner's 64 nodes per leaf over 2-16 nodes). A
    /// sweep may vary the GPUs past it, so noted, not refused. Where every count fits one node,
    /// the note says the network carries nothing at all.
    static func leafNotes(in yaml: YAMLValue, cluster: ClusterSpec, gpuCounts: [Int]) throws -> [ConfigError] {
        // On one node no traffic reaches the network at all: said of the network, not of its leaves.
        if cluster.network != nil, let most = gpuCounts.max(), cluster.nodes(for: most) == 1 {
            return try yaml.optional("cluster")?.error(atKey: "network", "every GPU count the run lists fits on one node of "
                + "\(cluster.gpusPerNode) GPUs, so the network carries nothing here (it counts where more GPUs span nodes: "
                + "gpus, or --vary gpus=...)").map { [$0] } ?? []
        }
        guard let network = cluster.network, network.layout == .leafSpine, let perLeaf = network.nodesPerLeaf,
              let most = gpuCounts.max(), cluster.nodes(for: most) > 1, cluster.nodes(for: most) <= perLeaf,
              let note = try yaml.optional("cluster")?.optional("network")?.error(atKey: "nodes_per_leaf",
                  "\(perLeaf) nodes per leaf hold all \(cluster.nodes(for: most)) nodes of the run's largest count (\(most) GPUs): one "
                  + "leaf switch joins them, nothing crosses the spine, and oversubscription changes nothing") else { return [] }
        return [note]
    }

    /// A note where the cost-model profile (`cost_model.profile`, from `import layer-times`) has
    /// no curve for the run's precision: its work is then priced from the catalog's and the
    /// defaults' figures, as without the profile, which a user who calibrated would not
    /// guess (a profile of fp32, TF32 and bf16 leaves an fp16 run 44% faster than its bf16 one
    /// on an H200). Noted, not refused: a sweep may vary the precision.
    static func profileCoverageNotes(in yaml: YAMLValue, costParameters: CostParameters, precision: Precision) throws -> [ConfigError] {
        let fitted: [String] = Precision.allCases.filter { costParameters.maxEfficiencyOverride[$0] != nil }.map(\.rawValue)
        let name = precision.rawValue
        let message = "the profile has no \(name) curve (it has \(fitted.isEmpty ? "none" : fitted.joined(separator: ", "))): this run's \(name) work is priced "
            + "from the catalog's and the defaults' figures, not from the measurement; time the layers in \(name) too "
            + "(tools/profile_layers.py --precisions) and import them again"
        guard costParameters.maxEfficiencyOverride[precision] == nil, let costModel = try yaml.optional("cost_model"),
              let note = try costModel.error(atKey: "profile", message) else { return [] }
        return [note]
    }

    /// A note where `cluster.fabric: nvswitch` switches a scale-up link that is no NVLink (an
    /// MI300X's Infinity Fabric, Gaudi 3's RoCE ports, which join their peers directly): a
    /// what-if no product builds, kept as asked (the L40S, with no scale-up link, is refused).
    static func switchedMeshNotes(in yaml: YAMLValue, cluster: ClusterSpec) throws -> [ConfigError] {
        guard case .nvswitch(let link) = cluster.fabric, link.kind != .nvlink,
              let note = try yaml.optional("cluster")?.error(atKey: "fabric", "an NVSwitch joins NVLink ports, and the "
                  + "\(cluster.gpu.name)'s \(link.name) (\(link.kind.rawValue)) joins its peers directly: this node is a what-if no product "
                  + "builds (fabric: nvlink-mesh is the \(cluster.gpu.name)'s own)") else { return [] }
        return [note]
    }

    /// A note where the run names a built-in training recipe (`training.recipe`) of another
    /// model: its epochs are what that model needed, and say nothing of this one's. Noted, not
    /// refused, as the closest figures a user may have (ResNet-50's for a ResNet variant).
    /// The run is named by its label where it has one (the note may point at the top level's `training:`,
    /// which every run inherits).
    static func recipeForAnotherModel(in yaml: YAMLValue, training: TrainingGoal?, modelName: String, label: String?) throws -> ConfigError? {
        guard let recipe = TrainingRecipe.ofAnotherModel(training, modelName: modelName) else { return nil }
        let run = label.map { "run '\($0.singleLine)'" } ?? "this run"
        return try yaml.optional("training")?.error(atKey: "recipe", "recipe \(recipe.name) gives the epochs \(recipe.model) needs "
            + "(\(recipe.target)); \(run) trains \(modelName.singleLine), for which they are no measurement: state training.epochs "
            + "from its own recipe where there is one")
    }

    /// The built-in recipe the run's epochs come from, where it is another model's (`TrainingRecipe.ofAnotherModel`).
    public var recipeOfAnotherModel: TrainingRecipe? { TrainingRecipe.ofAnotherModel(training, modelName: modelLabel) }
}
