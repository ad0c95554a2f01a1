import Hardware
import YAMLSupport

/// The message a built-in catalog refuses one more GPU entry with (its `name: T`, peaks,
/// host link and source given, `entry`'s keys added), or nil when it is accepted.
func catalogEntryError(_ entry: String) -> String? {
    let text = """
        gpus:
          - {name: T, memory_gib: 1, memory_bandwidth_gb_per_s: 100, peak_tflops: {fp32: 1}, host_link: pcie3-x16, source: s, \(entry)}
        """
    do {
        var catalog = try Catalog.builtIn()
        try catalog.read(gpus: try YAMLValue.parse(text, file: "c.yaml").optional("gpus"), links: nil)
    } catch let e as ConfigError { return e.message } catch { return "\(error)" }
    return nil
}
