/// A command whose standard output may be data for a program (JSON or CSV) rather than text
/// for a person. Data is passed through as its encoder wrote it (JSON escapes what JSON
/// needs; CSV quotes its fields), so that `cmd > file` and `cmd --out file` hold the same
/// data; text for a person has its control characters escaped (`String.terminalSafe`).
protocol MachineReadableOutput {
    /// Whether this invocation prints data on standard output.
    var printsData: Bool { get }
}

extension SimulateCommand: MachineReadableOutput { var printsData: Bool { json } }
extension ExplainCommand: MachineReadableOutput { var printsData: Bool { json } }
extension ReportCommand: MachineReadableOutput { var printsData: Bool { json } }
extension PlanCommand: MachineReadableOutput { var printsData: Bool { json } }
extension ValidateCommand: MachineReadableOutput { var printsData: Bool { json } }
extension CalibrateCommand: MachineReadableOutput { var printsData: Bool { json } }
extension ModelsCommand: MachineReadableOutput { var printsData: Bool { json } }
extension HardwareCommand: MachineReadableOutput { var printsData: Bool { json } }
extension SoftwareCommand: MachineReadableOutput { var printsData: Bool { json } }
extension ImportCommand.LayerTimesImport: MachineReadableOutput { var printsData: Bool { json } }
extension ImportCommand.KernelTimesImport: MachineReadableOutput { var printsData: Bool { json } }
extension ImportCommand.NCCLTests: MachineReadableOutput { var printsData: Bool { json } }
/// Without `--out`, a sweep prints its CSV and merge its JSON.
extension SweepCommand: MachineReadableOutput { var printsData: Bool { out == nil } }
extension MergeCommand: MachineReadableOutput { var printsData: Bool { out == nil } }
